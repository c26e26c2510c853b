#!/usr/bin/env node
// Runs the TypeScript CLI in this same process (no child process), so signals reach the node.
import { register } from 'tsx/esm/api';

// The SDK's notice that it will need Node 22 says nothing an operator can act on here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
await import('../functions/cli/main.ts');
