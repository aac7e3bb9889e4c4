/** Plausible made-up items for the demo tables: news events, job postings and internal documents. */
import type { DemoTaskName } from './schema.ts';

export interface SampleItem {
  title: string;
  text: string;
}

const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)];

const COMPANIES = ['Northwind', 'Contoso', 'Globex', 'Initech', 'Umbrella Labs', 'Hooli', 'Vandelay Industries', 'Acme Robotics'];
const NEWS = [
  ['raises $40M to expand its logistics platform', 'The round was led by existing investors and will fund growth in Europe.'],
  ['announces layoffs after a weak quarter', 'The company said revenue fell 12% and it will cut about 8% of staff.'],
  ['suffers a six-hour outage affecting payments', 'Customers reported failed card transactions; the company blamed a database migration.'],
  ['launches an open-source model for invoice parsing', 'The release includes weights and a benchmark on 20,000 scanned invoices.'],
  ['faces lawsuit over data breach', 'Plaintiffs allege that personal records of 2 million users were exposed last spring.'],
  ['posts record profit on strong cloud demand', 'Operating margin improved for the fourth quarter in a row.'],
  ['delays its flagship product to next year', 'Executives cited supply constraints and a redesign of the battery module.'],
] as const;
const ROLES = [
  'Backend Engineer',
  'Data Analyst',
  'Platform Engineer',
  'Product Designer',
  'Frontend Developer',
  'ML Engineer',
  'Account Executive',
];
const LEVELS = ['Junior', '', 'Senior', 'Staff', 'Lead'];
const SKILLS = ['TypeScript', 'Python', 'Postgres', 'React', 'Kubernetes', 'AWS', 'Go', 'Terraform', 'Kafka', 'Figma', 'Salesforce'];
const DOCS = [
  [
    'Incident review: queue backlog on',
    'Jobs piled up for 40 minutes after a deploy reduced worker concurrency. Alerts fired late because the dashboard only sampled every 10 minutes. Action items: alert on queue age, add a rollback checklist.',
  ],
  [
    'Quarterly planning notes for',
    'The team agreed to prioritise reliability over new features this quarter. Two engineers will move to the billing migration. Hiring for the data team is paused until budget review.',
  ],
  [
    'Vendor evaluation: LLM providers for',
    'We compared three providers on latency, cost and JSON reliability. The cheapest option failed structured output in 4% of calls. Recommendation: keep two providers behind one client with fallback.',
  ],
  [
    'Customer interview summary,',
    'Operators want to retry failed jobs in bulk and see why they failed. Most time is lost finding which items never got processed. Export to CSV was requested by two teams.',
  ],
] as const;

function newsEvent(): SampleItem {
  const [headline, detail] = pick(NEWS);
  const company = pick(COMPANIES);
  return { title: `${company} ${headline}`, text: `${company} ${headline}. ${detail} Analysts expect more news within weeks.` };
}

function jobPosting(): SampleItem {
  const level = pick(LEVELS);
  const role = pick(ROLES);
  const remote = Math.random() < 0.5;
  const skills = [pick(SKILLS), pick(SKILLS), pick(SKILLS)].filter((s, i, all) => all.indexOf(s) === i);
  return {
    title: `${level ? `${level} ` : ''}${role}${remote ? ' (Remote)' : ''}`,
    text:
      `${pick(COMPANIES)} is hiring a ${level.toLowerCase() || 'mid-level'} ${role.toLowerCase()}. ` +
      `You will work with ${skills.join(', ')}. ${remote ? 'This role is fully remote.' : 'This role is based in our Berlin office.'} ` +
      `We offer ${20 + Math.floor(Math.random() * 10)} days of paid leave.`,
  };
}

function document(): SampleItem {
  const [title, body] = pick(DOCS);
  return { title: `${title} ${pick(['payments', 'search', 'onboarding', 'reporting'])}`, text: body };
}

const MAKERS: Record<DemoTaskName, () => SampleItem> = {
  generate_insight: newsEvent,
  enrich_record: jobPosting,
  summarize: document,
};

/** A new random item for the source table of `task`. */
export function sampleItem(task: DemoTaskName): SampleItem {
  return MAKERS[task]();
}
