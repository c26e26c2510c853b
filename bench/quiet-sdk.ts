/** Imported first by the benchmark entry: silences the AWS SDK's Node 20 support warning. */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export {};
