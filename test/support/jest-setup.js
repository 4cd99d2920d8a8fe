/**
 * Runs in every test file before it loads: silences the AWS SDK's Node-version warning
 * (`NodeVersionSupportWarning`, printed once per process that builds an SDK client) with the SDK's own
 * switch, as `npm start` does (lambdas/local/main.ts). Child processes the tests start inherit it.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
