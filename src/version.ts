/** The package version, sent in `user-agent: cronhook/<version>`. A test keeps it equal to package.json. */
export const VERSION = '0.1.0';
