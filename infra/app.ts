import { App } from 'aws-cdk-lib';
import { buildBrokerApp } from './broker-app.js';
import { EnvironmentConfigError } from './config.js';

// npx cdk synth|diff|deploy -c env=test (or prod). See the README, section "Deploy".
try {
  buildBrokerApp(new App());
} catch (error) {
  if (!(error instanceof EnvironmentConfigError)) throw error;
  console.error(`\n${error.message}\n`);
  process.exit(1);
}
