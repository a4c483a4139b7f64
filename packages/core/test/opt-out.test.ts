import { describe, expect, it } from 'vitest';
import { DEFAULT_OPT_KEYWORDS, optChangeOf, optChangeOfReply, optKeywordsOf } from '../src/opt-out';

describe('STOP keywords', () => {
  it.each([
    ['STOP', 'STOP'],
    ['  stop ', 'STOP'],
    ['Stop   All', 'STOP ALL'],
    ['unsubscribe', 'UNSUBSCRIBE'],
    ['रोकें', 'रोकें'],
    ['बंद', 'बंद'],
  ])('%j opts out', (text, keyword) => {
    expect(optChangeOf(text, DEFAULT_OPT_KEYWORDS)).toEqual({ optedOut: true, keyword });
  });

  it.each(['please stop', 'STOP!', 'stopped', "don't stop", '', 'YES'])(
    '%j is no opt change (whole message only)',
    (text) => {
      expect(optChangeOf(text, DEFAULT_OPT_KEYWORDS)).toBeNull();
    },
  );

  it('START and SUBSCRIBE opt back in', () => {
    expect(optChangeOf(' start', DEFAULT_OPT_KEYWORDS)).toEqual({ optedOut: false, keyword: 'START' });
    expect(optChangeOf('Subscribe', DEFAULT_OPT_KEYWORDS)).toEqual({ optedOut: false, keyword: 'SUBSCRIBE' });
  });

  it('reads a text body, a template button reply and an interactive button reply', () => {
    expect(optChangeOfReply({ type: 'text', text: { body: 'Stop' } }, DEFAULT_OPT_KEYWORDS)?.keyword).toBe('STOP');
    expect(
      optChangeOfReply({ type: 'button', button: { payload: 'promo-1', text: 'Unsubscribe' } }, DEFAULT_OPT_KEYWORDS),
    ).toEqual({ optedOut: true, keyword: 'UNSUBSCRIBE' });
    expect(
      optChangeOfReply(
        { type: 'interactive', interactive: { button_reply: { id: 'x', title: 'STOP' } } },
        DEFAULT_OPT_KEYWORDS,
      ),
    ).toEqual({ optedOut: true, keyword: 'STOP' });
    expect(optChangeOfReply({ type: 'image', image: { id: '1' } }, DEFAULT_OPT_KEYWORDS)).toBeNull();
  });

  it('configured lists replace the defaults; an empty opt-in list means only by hand', () => {
    const keywords = optKeywordsOf({ optOutKeywords: ['NAHI CHAHIYE'], optInKeywords: [] });
    expect(optChangeOf('nahi  chahiye', keywords)).toEqual({ optedOut: true, keyword: 'NAHI CHAHIYE' });
    expect(optChangeOf('STOP', keywords)).toBeNull();
    expect(optChangeOf('START', keywords)).toBeNull();
  });
});
