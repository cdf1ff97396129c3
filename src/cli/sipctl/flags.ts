/** Flags of sipctl's provisioning commands, defined once (names, help texts). */
import { Flags } from '@oclif/core';

/** --domain: the domain of a user given without @domain (overrides SIP_DOMAIN). */
export const domainFlag = Flags.string({
  summary: 'domain of a user given without @domain (default: SIP_DOMAIN from sipctlrc or the environment)',
  helpValue: 'DOMAIN',
});

const AVP = 'AVP FILTER';

/** kamctl avp's filters: -T -u -a -v -t. */
export const avpFilterFlags = {
  table: Flags.string({
    char: 'T',
    summary: 'table with the usr_preferences columns (default usr_preferences)',
    helpValue: 'TABLE',
    helpGroup: AVP,
  }),
  user: Flags.string({
    char: 'u',
    summary: 'owner: user@domain, or a uuid (anything without @domain)',
    helpValue: 'AOR|UUID',
    helpGroup: AVP,
  }),
  attribute: Flags.string({ char: 'a', summary: 'attribute name', helpValue: 'NAME', helpGroup: AVP }),
  value: Flags.string({ char: 'v', summary: 'value', helpValue: 'VALUE', helpGroup: AVP }),
  type: Flags.integer({
    char: 't',
    summary: 'type: 0 str:str, 1 str:int, 2 int:str, 3 int:int',
    min: 0,
    max: 3,
    helpValue: '0-3',
    helpGroup: AVP,
  }),
};
