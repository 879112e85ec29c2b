// The RT 5 tickets the e2e global setup (and `npm run rt`) creates. Requestors are contacts of
// the demo config (baton.config.yaml), so the sidebar has a relay to show for each.
import type { RtTicketInput } from './rt';

export const RT_TICKETS = {
  aiko: {
    subject: 'サーベイ結果のCSVが文字化けします',
    requestor: 'Aiko Tanaka <aiko.tanaka@acme.example.jp>',
    content: 'CSVで出力した部署名がExcelで文字化けします。回避方法を教えてください。',
  },
  emma: {
    subject: 'Pulse survey reminders did not reach the warehouse team',
    requestor: 'Emma Clark <emma.clark@northwind.example.com>',
    content: 'None of the warehouse staff got the reminder email this quarter.',
  },
  kenji: {
    subject: '鉄道システム事業部だけ回答画面が開けません',
    requestor: 'Kenji Ota <kenji.ota@minato-denki.example.jp>',
    content: '鉄道システム事業部の社員だけ、サーベイの回答画面がタイムアウトします。',
  },
} satisfies Record<string, RtTicketInput>;
