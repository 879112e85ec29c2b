// The demo desk's tickets. Requesters are contacts of baton.config.yaml, one only by its
// domain, one only by company name, and one that matches nothing.
export const tickets = [
  {
    id: 1, status: 'open', received: '2026-11-26 09:12',
    subject: 'CSVエクスポートで日本語が文字化けします',
    requester: { name: '田中 愛子', email: 'aiko.tanaka@acme.example.jp', org: '株式会社アクメ' },
    expect: 'email',
    thread: [
      'いつもお世話になっております。アクメの田中です。',
      '先月のサーベイ結果をCSVで出力したところ、Excelで開くと部署名が文字化けしてしまいます。来週の経営会議で使いたいので、回避方法があれば教えてください。',
    ],
  },
  {
    id: 2, status: 'open', received: '2026-11-26 10:40',
    subject: 'Pulse survey reminders were not sent to the warehouse team',
    requester: { name: 'Emma Clark', email: 'emma.clark@northwind.example.com', org: 'Northwind Trading Ltd.' },
    expect: 'email',
    thread: [
      'Hi team,',
      'We scheduled this quarter\'s pulse survey for Monday, but none of the 120 people in warehouse operations got the reminder email. Response rate there is 4% so far. Could you check what happened?',
    ],
  },
  {
    id: 3, status: 'pending', received: '2026-11-25 16:05',
    subject: '鉄道システム事業部だけ回答画面が開けない',
    requester: { name: '太田 健二', email: 'kenji.ota@minato-denki.example.jp', org: 'ミナト電機株式会社' },
    expect: 'email',
    thread: [
      'ミナト電機の太田です。',
      '本日配信したサーベイについて、鉄道システム事業部のメンバーから「回答画面が真っ白になる」と連絡がありました。社内プロキシの影響でしょうか。',
    ],
  },
  {
    id: 4, status: 'open', received: '2026-11-25 11:30',
    subject: '夜勤帯の看護師にも回答期間を延長したい',
    requester: { name: '吉田 千尋', email: 'chihiro.yoshida@sakura-med.example.jp', org: '' },
    expect: 'domain',
    thread: [
      'さくら会 看護部の吉田と申します。',
      '夜勤のスタッフが回答期限に間に合わないため、看護部だけ回答期間を1週間延ばすことはできますか。',
    ],
  },
  {
    id: 5, status: 'open', received: '2026-11-24 18:22',
    subject: 'SSO login loops back to the sign-in page',
    requester: { name: 'Noah Wright', email: 'noah.wright@bluepeak.example.com', org: 'BluePeak Software Inc.' },
    expect: 'email',
    thread: [
      'Hello,',
      'Since yesterday our engineers get sent back to the sign-in page after authenticating with Google. People Ops can still log in with passwords. Anything changed on your side?',
    ],
  },
  {
    id: 6, status: 'new', received: '2026-11-24 09:03',
    subject: 'Question about pricing for 30 seats',
    requester: { name: 'Alex Rivera', email: 'alex.rivera@unknown-startup.example', org: '' },
    expect: 'none',
    thread: [
      'Hi! We are a 30-person startup looking at engagement surveys. Do you offer a plan for teams our size, and can we try it first?',
    ],
  },
  {
    id: 7, status: 'open', received: '2026-11-23 14:47',
    subject: 'Front office results look different from last quarter',
    requester: { name: 'Grace Hill', email: 'grace.hill@lakeside-hotels.example.com', org: 'Lakeside Hotels Co., Ltd.' },
    expect: 'email',
    tags: ['dashboards', 'results'],
    thread: [
      'Good afternoon,',
      'The engagement score for our front office dropped 12 points, but several managers say the question wording changed. Can you confirm whether the survey template was updated?',
    ],
  },
  {
    id: 8, status: 'pending', received: '2026-11-22 08:15',
    subject: '個人のメールアドレスから失礼します（管理者の追加について）',
    requester: { name: '山本 太郎', email: 'taro.yamamoto@freemail.example', org: 'ミナト電機株式会社' },
    expect: 'org',
    thread: [
      '会社のメールが使えないため個人のアドレスから連絡しています。ミナト電機 人事企画部の山本です。',
      '人事企画部に管理者をもう1名追加したいのですが、手続きを教えてください。',
    ],
  },
];
