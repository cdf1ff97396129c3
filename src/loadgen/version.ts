/** siptest's version line (`siptest -v`), in a module of its own so printing it loads nothing else. */
export const SIPTEST_VERSION = '0.1.0';

export const versionText = () => `\n siptest ${SIPTEST_VERSION} (SIPp 3.6.1 compatible).\n\n`;
