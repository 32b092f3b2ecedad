import t from 'tap';
import { wordSentiment } from '../../src/emotion/word-frustration.js';

t.test('English: angry callers score high, plain questions and thanks score low', async (t) => {
  const angry = wordSentiment('this is ridiculous I have been waiting two hours and nobody answers', 'en');
  t.ok(angry.frustration >= 0.7, JSON.stringify(angry));
  t.ok(angry.cues.includes('nobody answers'));
  t.ok(wordSentiment('I am really angry this is the worst service ever', 'en').frustration >= 0.7);
  t.equal(wordSentiment('what time do you close', 'en').frustration, 0);
  const thanks = wordSentiment('great thank you bye', 'en');
  t.equal(thanks.frustration, 0);
  t.ok(thanks.valence > 0.3);
});

t.test('Mandarin: the lexicon over jieba tokens, negation and phrases', async (t) => {
  const angry = wordSentiment('你们太差劲了，等了半天也没人管', 'zh');
  t.ok(angry.frustration >= 0.7, JSON.stringify(angry));
  t.equal(wordSentiment('我想订一个蛋糕', 'zh').frustration, 0);
  t.ok(wordSentiment('好的，谢谢', 'zh').valence > 0.3);
  t.ok(wordSentiment('不满意', 'zh').valence < 0);
  t.ok(wordSentiment('不好', 'zh').valence < 0, 'negation flips 好');
  t.ok(wordSentiment('气死我了！', 'zh').frustration > wordSentiment('我要投诉', 'zh').frustration);
});
