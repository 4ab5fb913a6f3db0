import { isCurrencyCode } from '@cofactor/schema';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { AuthService } from '../auth/auth.service.js';
import { newTokenSecret } from '../auth/auth.service.js';
import { errors, type InputIssue } from '../graphql/errors.js';
import { isTimeZone } from '../periods/period.js';
import { MAX_NAME_LENGTH, checkText } from '../validation.js';
import { Program } from './program.entity.js';

/** An IANA zone name ("Europe/Moscow", "UTC", "Etc/GMT+3"), not an offset such as "+03:00", which PostgreSQL reads with the opposite sign. */
const IANA_ZONE = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

export interface ProgramInput {
  name: string;
  defaultCurrency: string;
  timeZone: string;
}

export interface CreatedProgram {
  program: Program;
  /** The program's first admin API key, shown in full only now. */
  adminKey: string;
}

/** Programs: a brand's programme with its currency, time zone and partner-token secret. */
export class ProgramService {
  constructor(
    private readonly orm: MikroORM,
    private readonly auth: AuthService,
  ) {}

  /** Creates a program with its own token secret and its first admin API key; nothing else (no demo). */
  async create(input: ProgramInput, path = 'input'): Promise<CreatedProgram> {
    const issues = programIssues(input, path);
    if (issues.length) throw errors.badInput(issues);
    const em = this.orm.em.fork();
    const program = em.create(Program, {
      name: input.name.trim(),
      defaultCurrency: input.defaultCurrency,
      timeZone: input.timeZone,
      tokenSecret: newTokenSecret(),
    });
    await em.flush();
    const { key } = await this.auth.createApiKey(program.id, 'First admin', ['admin']);
    return { program, adminKey: key };
  }

  /** Every program on this database, oldest first. */
  list(): Promise<Program[]> {
    return this.orm.em.fork().find(Program, {}, { orderBy: { id: 'asc' } });
  }
}

function programIssues(input: ProgramInput, path: string): InputIssue[] {
  const issues: InputIssue[] = [];
  checkText(input.name, `${path}.name`, MAX_NAME_LENGTH, issues);
  if (!isCurrencyCode(input.defaultCurrency)) issues.push({ path: `${path}.defaultCurrency`, message: 'must be an ISO 4217 code such as RUB' });
  if (!IANA_ZONE.test(input.timeZone) || !isTimeZone(input.timeZone)) {
    issues.push({ path: `${path}.timeZone`, message: 'must be an IANA time zone such as Europe/Moscow' });
  }
  return issues;
}
