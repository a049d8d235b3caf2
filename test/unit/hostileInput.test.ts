import { strict as assert } from 'node:assert';
import { ValidationError, int, object, optional, str } from '../../src/shared/validation/validate';
import { validateMailSettings } from '../../src/shared/mail/validate';

/** Issue 15: shapes any webview message can carry are refused by name — never coerced, never a TypeError. */
describe('strict validators against hostile input (issue 15)', () => {
  const shape = object({ host: str(100), port: optional(int(1, 65535)) });
  const refusedAs = (value: unknown, path: RegExp): void => {
    assert.throws(
      () => shape(value, 'params'),
      (error: Error) => error instanceof ValidationError && path.test(error.message),
      JSON.stringify(value),
    );
  };

  it('object(): __proto__, constructor, toString and prototype keys are refused by name', () => {
    refusedAs(
      JSON.parse('{"host": "a", "__proto__": {"polluted": true}}'),
      /^params\.__proto__: expected no such field/,
    );
    refusedAs({ host: 'a', constructor: 'x' }, /^params\.constructor: expected no such field/);
    refusedAs({ host: 'a', toString: 'x' }, /^params\.toString: expected no such field/);
    refusedAs({ host: 'a', hasOwnProperty: 1 }, /^params\.hasOwnProperty: expected no such field/);
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype was polluted');
  });

  it('object(): no coercion — arrays, numbers and objects with toString are not strings; class instances and inherited fields are not plain objects', () => {
    refusedAs({ host: [1] }, /^params\.host: expected a string/);
    refusedAs({ host: { toString: 5 } }, /^params\.host: expected a string/);
    refusedAs({ host: { toString: () => 'evil' } }, /^params\.host: expected a string/);
    refusedAs({ host: 1 }, /^params\.host: expected a string/);
    refusedAs({ host: 'a', port: '25' }, /^params\.port: expected a whole number/);
    refusedAs(Object.create({ host: 'inherited' }), /^params: expected a plain object/);
    refusedAs(
      new (class Message {
        host = 'a';
      })(),
      /^params: expected a plain object/,
    );
    refusedAs([], /^params: expected an object/);
    assert.deepEqual(shape(Object.assign(Object.create(null), { host: 'ok' }), 'params'), { host: 'ok' });
  });

  it('validateMailSettings never throws and names every hostile field', () => {
    const base = { host: 'smtp.example.de', port: 587, ssl: true, from: 'it@example.de', user: 'it' };
    const codes = (input: unknown): string[] => {
      const result = validateMailSettings(input as Record<string, unknown>);
      assert.equal(result.settings, undefined, JSON.stringify(input));
      return result.issues.filter((i) => i.severity === 'error').map((i) => `${i.code}:${i.args.join('|')}`);
    };
    // the field is named by its type issue (and, being empty then, by its own rule)
    assert.deepEqual(codes({ ...base, host: [1] }), ['E_MAIL_HOST:', 'E_MAIL_TYPE:host|text|a list']);
    assert.deepEqual(codes({ ...base, host: { toString: 5 } }), ['E_MAIL_HOST:', 'E_MAIL_TYPE:host|text|an object']);
    assert.deepEqual(codes({ ...base, from: { toString: () => 'x@example.de' } }), [
      'E_MAIL_REQUIRED:from',
      'E_MAIL_TYPE:from|text|an object',
    ]);
    assert.deepEqual(codes({ ...base, port: [587] }), ['E_MAIL_PORT:', 'E_MAIL_TYPE:port|text|a list']);
    assert.deepEqual(codes({ ...base, ssl: 'yes' }), ['E_MAIL_TYPE:ssl|true or false|"yes"']);
    assert.deepEqual(codes({ ...base, ssl: 1 }), ['E_MAIL_TYPE:ssl|true or false|a number']);
    assert.deepEqual(
      codes(
        JSON.parse('{"host": "smtp.example.de", "port": 587, "from": "it@example.de", "__proto__": {"host": "evil"}}'),
      ),
      ['E_MAIL_FIELD:__proto__'],
    );
    assert.deepEqual(codes({ ...base, constructor: { name: 'x' } }), ['E_MAIL_FIELD:constructor']);
    assert.deepEqual(
      codes(Object.assign(Object.create({ host: 'inherited.example' }), { port: 587, from: 'it@example.de' })),
      ['E_MAIL_HOST:'],
      'inherited fields are not read',
    );
    assert.deepEqual(codes(null), ['E_MAIL_SHAPE:null']);
    assert.deepEqual(codes([base]), ['E_MAIL_SHAPE:a list']);
    // what forms and the CLI send still passes: the port as digits, switches as "true"/"false"
    assert.equal(validateMailSettings({ ...base, port: '587', ssl: 'true' }).settings?.port, 587);
  });
});
