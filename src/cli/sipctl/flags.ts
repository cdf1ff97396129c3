/** Flags of sipctl's provisioning commands, defined once (names, help texts). */
import { Args, Flags } from '@oclif/core';
import { usageError } from '../../shared/errors.js';

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

/**
 * `avp list|rm OWNER [ATTRIBUTE [VALUE]]`: the positional form of -u, -a and -v, for those who type
 * `avp list alice@example.com` (unambiguous: the order is the one of `avp add`).
 */
export const avpFilterArgs = {
  owner: Args.string({ description: 'the same as -u: user@domain, or a uuid' }),
  attribute: Args.string({ description: 'the same as -a' }),
  value: Args.string({ description: 'the same as -v' }),
};

export interface AvpFilterInput {
  table?: string;
  user?: string;
  attribute?: string;
  value?: string;
  type?: number;
}

/** The filter from the flags and the positional arguments; a value given both ways must agree. */
export function avpFilterOf(
  flags: AvpFilterInput,
  args: { owner?: string; attribute?: string; value?: string },
): { table?: string; owner?: string; attribute?: string; value?: string; type?: number } {
  const pick = (name: string, flag: string | undefined, arg: string | undefined) => {
    if (flag !== undefined && arg !== undefined && flag !== arg) {
      throw usageError(`${name} given twice, as "${arg}" and as "${flag}"`, ['give it once, as an argument or a flag']);
    }
    return flag ?? arg;
  };
  return {
    table: flags.table,
    owner: pick('the owner (-u)', flags.user, args.owner),
    attribute: pick('the attribute (-a)', flags.attribute, args.attribute),
    value: pick('the value (-v)', flags.value, args.value),
    type: flags.type,
  };
}
