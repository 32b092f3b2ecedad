import t from 'tap';
import { extractSlots } from '../../src/nlu/slots/index.js';
import { parseChineseNumber, parseEnglishNumber } from '../../src/nlu/slots/numbers.js';
import { nameFromAnswer } from '../../src/nlu/slots/people.js';

// Monday 23 November 2026, 09:00 in Shanghai.
const context = {
  now: new Date('2026-11-23T09:00:00+08:00'),
  timezone: 'Asia/Shanghai',
  orderIds: ['A1021', 'A1022'],
};
const en = (text: string) => extractSlots(text, 'en', context);
const zh = (text: string) => extractSlots(text, 'zh', context);

t.test('dates and times relative to the call, English', async (t) => {
  t.same(en('this Saturday at 3 pm'), { date: '2026-11-28', time: '15:00' });
  t.same(en('next thursday at half past ten'), { date: '2026-12-03', time: '10:30' });
  t.same(en('tomorrow morning at 9'), { date: '2026-11-24', time: '09:00' });
  t.same(en('can I come at 3'), { time: '15:00' });
  t.same(en('on the 5th of december at 11 am'), { date: '2026-12-05', time: '11:00' });
  t.same(en('at 15:00 on friday'), { date: '2026-11-27', time: '15:00' });
  t.same(en('the day after tomorrow at noon'), { date: '2026-11-25', time: '12:00' });
});

t.test('dates and times relative to the call, Mandarin', async (t) => {
  t.same(zh('明天上午十点'), { date: '2026-11-24', time: '10:00' });
  t.same(zh('下周四'), { date: '2026-12-03' });
  t.same(zh('这周六下午三点来拿'), { date: '2026-11-28', time: '15:00' });
  t.same(zh('12月3号下午两点半'), { date: '2026-12-03', time: '14:30' });
  t.same(zh('周日中午'), { date: '2026-11-29', time: '12:00' });
  t.same(zh('后天晚上七点十五分'), { date: '2026-11-25', time: '19:15' });
});

t.test('the shop timezone decides what "tomorrow" is', async (t) => {
  // 23:30 UTC on the 23rd is already the 24th in Shanghai.
  const late = { now: new Date('2026-11-23T23:30:00Z'), timezone: 'Asia/Shanghai' };
  t.same(extractSlots('tomorrow', 'en', late), { date: '2026-11-25' });
  t.same(extractSlots('tomorrow', 'en', { ...late, timezone: 'Europe/London' }), { date: '2026-11-24' });
});

t.test('phone numbers said digit by digit', async (t) => {
  t.same(en('my number is one three eight double zero one three eight zero zero zero'), {
    phone: '+8613800138000',
  });
  t.same(zh('幺三八零零一三八零零零'), { phone: '+8613800138000' });
  t.same(en('call me on 138 0013 8000'), { phone: '+8613800138000' });
  t.same(en('plus one four one five five five five zero one nine nine'), { phone: '+14155550199' });
});

t.test('names, order ids, sizes and quantities', async (t) => {
  t.same(en('my name is David Chen'), { name: 'David Chen' });
  t.same(en('hi this is anna calling'), { name: 'Anna' });
  t.same(zh('我姓王'), { name: '王' });
  t.same(zh('我叫李小龙'), { name: '李小龙' });
  t.equal(nameFromAnswer('David', 'en'), 'David');
  t.equal(nameFromAnswer("it's Maria Lopez", 'en'), 'Maria Lopez');
  t.equal(nameFromAnswer('王', 'zh'), '王');
  t.same(en('my order is A one zero two one'), { order_id: 'A1021' });
  t.same(en('order number a1022'), { order_id: 'A1022' });
  t.same(zh('订单号是A幺零二幺'), { order_id: 'A1021' });
  t.same(
    en('it is one zero two two'),
    { order_id: 'A1022' },
    'a bare number resolves to the only id ending in it',
  );
  t.same(zh('八寸的巧克力生日蛋糕'), { size: '8 inch' });
  t.same(en('two loaves of rye please'), { quantity: '2 loaves' });
  t.same(en('an eight inch cake'), { size: '8 inch' });
  t.same(zh('我要三个'), { quantity: '3' });
  t.same(en('a dozen rolls'), { quantity: '12 rolls' });
});

t.test('numbers', async (t) => {
  t.equal(parseChineseNumber('十二'), 12);
  t.equal(parseChineseNumber('两百零五'), 205);
  t.equal(parseChineseNumber('三万五千'), 35000);
  t.equal(parseChineseNumber('猫'), null);
  t.equal(parseEnglishNumber(['twenty', 'one']), 21);
  t.equal(parseEnglishNumber(['three', 'hundred', 'and', 'five']), 305);
  t.equal(parseEnglishNumber(['cat']), null);
});
