import { allocatePorts } from '../../../tools/stack/ports';
import { scramVerifier } from '../../../tools/stack/production/postgres';
import { PORT_NAMES, profileArgument, SMALL_PORT_NAMES } from '../../../tools/stack/state';

test('the Temporal server\'s ports are picked below 32768 (it stores them in a smallint column), the others anywhere free, all distinct', async () => {
  const ports = await allocatePorts(PORT_NAMES, {}, SMALL_PORT_NAMES);
  for (const name of SMALL_PORT_NAMES) expect({ name, below: ports[name] < 32_768 }).toEqual({ name, below: true });
  expect(new Set(Object.values(ports)).size).toBe(PORT_NAMES.length);
});

test('--profile names one of the two profiles; anything else is an error that lists them', () => {
  expect(profileArgument(['up'])).toBe('development');
  expect(profileArgument(['up', '--fresh', '--profile', 'production'])).toBe('production');
  expect(() => profileArgument(['up', '--profile', 'prod'])).toThrow('--profile needs one of: development, production');
  expect(() => profileArgument(['up', '--profile'])).toThrow('--profile needs one of');
});

test('a role\'s password reaches PostgreSQL only as a SCRAM-SHA-256 verifier', () => {
  // RFC 7677's example (password "pencil", its salt, 4096 iterations): the stored and server keys derived from it.
  const verifier = scramVerifier('pencil', Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'), 4096);
  expect(verifier).toBe('SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=');
  expect(scramVerifier('pencil')).not.toContain('pencil');
});
