/**
 * The project's CDK app. The stack (table, tick function, minute rule) arrives with the
 * deployment issue; until then the app synthesizes nothing, so `cdk synth` already runs.
 */
import { App } from 'aws-cdk-lib';

const app = new App();
app.synth();
