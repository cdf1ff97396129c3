/**
 * The built-in scenarios as the runner parses them (comments removed: scenario/builtin.ts
 * builtinScenarioToRun) load into the same scenario as their full text, which -sd prints, with
 * the same line numbers; and a CDATA section's "<!--" is text, not a comment.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inspect } from 'node:util';
import {
  builtinScenario,
  builtinScenarios,
  builtinScenarioToRun,
  withoutComments,
} from '../../../src/loadgen/scenario/builtin.js';
import { loadScenario, newLoadContext } from '../../../src/loadgen/scenario/loader.js';

/** The loaded scenario written out in full (its compiled parts are closures: compared by what they are). */
const load = (text: string, name: string) =>
  inspect(
    loadScenario(
      { text, source: `built-in scenario '${name}'`, fileBase: name },
      newLoadContext({ authUser: 'service' }),
    ),
    { depth: Infinity, maxArrayLength: Infinity, maxStringLength: Infinity, breakLength: Infinity },
  );

describe('built-in scenarios without comments', () => {
  for (const name of builtinScenarios.keys())
    test(`${name}: same scenario, same lines, no comment left, -sd text unchanged`, () => {
      const full = builtinScenario(name);
      const run = builtinScenarioToRun(name);
      assert.ok(run.length < full.length, 'comments were removed');
      assert.equal(run.split('\n').length, full.split('\n').length);
      assert.equal(withoutComments(run), run, 'no comment left outside CDATA');
      assert.equal(load(run, name), load(full, name));
      assert.equal(builtinScenario(name), builtinScenarios.get(name), '-sd prints the full text');
    });

  test('CDATA sections are kept as they are, comments become their line feeds', () => {
    assert.equal(
      withoutComments('<a>\n<![CDATA[x <!-- y --> z]]><!-- one\ntwo\n --><b/><!--c--></a>'),
      '<a>\n<![CDATA[x <!-- y --> z]]>\n\n<b/></a>',
    );
    assert.equal(withoutComments('<a><!-- unterminated </a>'), '<a><!-- unterminated </a>');
  });
});
