// The app's entry: `npx cdk deploy` deploys the reports stack, with its scheduler.
import { App } from 'aws-cdk-lib';
import { ReportsStack } from '../lib/reports-stack.js';

const app = new App();
new ReportsStack(app, 'Reports', { env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION } });
app.synth();
