import { useEffect, useState } from 'preact/hooks';

/**
 * The client's two languages. Russian is the default for a browser that prefers it, English
 * otherwise; a choice made with the switch is kept in this browser. Numbers, money and dates are
 * formatted by `Intl` for the language.
 */
export const LOCALES = ['ru', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

const STORED = 'cofactor.locale';

const en = {
  'app.name': 'Cofactor',
  'lang.switch': 'Language',
  'home.title': 'Partner program',
  'home.api': 'The GraphQL API (HTTP and WebSocket) is at /graphql.',
  'home.pages': 'Pages',
  'home.board': 'Live leaderboard: /#/board?token=<partner token>&metric=NET_SALES&period=MONTH',
  'home.schemes': 'Installed reward schemes',
  'home.cabinet': 'Partner cabinet: /#/cabinet?token=<partner token>',
  'cabinet.title': 'Partner cabinet',
  'cabinet.needsToken': "This is a partner's own cabinet. Open it from the brand's site, or add ?token=<partner token> to its address.",
  'cabinet.level': 'level {level}',
  'cabinet.balances': 'Balances',
  'cabinet.thisMonth': 'This month ({month})',
  'cabinet.monthSales': 'Net sales {net} ({count} sales)',
  'cabinet.monthSales.one': 'Net sales {net} (1 sale)',
  'cabinet.rankIn': 'Your place in region {region}: {rank} of {count}.',
  'cabinet.rankInProgram': 'Your place in the whole program: {rank} of {count}.',
  'cabinet.notRankedIn': 'No net sales in region {region} yet this month.',
  'cabinet.openBoard': 'Open the live board',
  'cabinet.noMoney': 'No money rewards yet.',
  'cabinet.points': 'Points',
  'cabinet.pointsAmount': '{points} points',
  'cabinet.pointsAmount.one': '1 point',
  'cabinet.downline': 'Partners recruited',
  'cabinet.downlineLevel': 'level {depth}: {count}',
  'cabinet.badges': 'Badges',
  'cabinet.rewards': 'Rewards',
  'cabinet.status': 'Status',
  'cabinet.allStatuses': 'All',
  'cabinet.noRewards': 'No rewards here yet.',
  'cabinet.more': 'Show more',
  'chart.title': 'Sales and earnings, last 12 months',
  'chart.sales': 'Net sales',
  'chart.earned': 'Earned',
  'chart.month': 'Month',
  'chart.figures': 'The figures as a table',
  'chart.label': 'Net sales and earnings per month in {currency}',
  'progress.title': 'Targets',
  'catalog.title': 'Spend your points',
  'catalog.cost': '{points} points',
  'catalog.cost.one': '1 point',
  'catalog.redeem': 'Redeem',
  'catalog.redeemItem': 'Redeem {item} for {points} points',
  'catalog.redeemItem.one': 'Redeem {item} for 1 point',
  'catalog.redeemed': '{item} is yours. Points left: {points}.',
  'progress.of': '{current} of {threshold}',
  'progress.reached': 'reached',
  'progress.until': 'until {date}',
  'progress.gives': 'gives: {reward}',
  'balance.pending': 'Pending',
  'balance.approved': 'Approved',
  'balance.available': 'Available for payout',
  'balance.paid': 'Paid',
  'status.PENDING': 'pending',
  'status.APPROVED': 'approved',
  'status.PAID': 'paid',
  'status.REJECTED': 'rejected',
  'status.CAPPED': 'over a limit',
  'home.console': "Program manager's console: /#/console (asks for an admin API key)",
  'console.title': "Program manager's console",
  'console.key': 'Admin API key',
  'console.keyHelp': 'Kept in this browser tab only, until you close it or forget it here.',
  'console.open': 'Open the console',
  'console.forget': 'Forget the key',
  'console.campaigns': 'Campaigns',
  'console.campaign': 'Campaign',
  'console.status': 'Status',
  'console.dates': 'Dates',
  'console.schemes': 'Schemes',
  'console.actions': 'Actions',
  'console.activate': 'Activate',
  'console.pause': 'Pause',
  'console.queue': 'Waiting for approval',
  'console.queueEmpty': 'No money rewards are waiting for approval.',
  'console.approve': 'Approve ({count})',
  'console.reject': 'Reject ({count})',
  'console.reason': 'Reason for rejecting (the partner reads it)',
  'campaign.DRAFT': 'draft',
  'campaign.ACTIVE': 'active',
  'campaign.PAUSED': 'paused',
  'campaign.ENDED': 'ended',
  'regions.title': 'Regions side by side',
  'partners.title': 'Partners',
  'partnerStatus.PENDING': 'awaiting approval',
  'partnerStatus.ACTIVE': 'active',
  'partnerStatus.SUSPENDED': 'suspended',
  'partnerStatus.TERMINATED': 'terminated',
  'partners.search': 'Find by name, referral code or external id',
  'partners.none': 'No partner matches.',
  'partners.noRecruits': 'No recruits.',
  'partners.sponsor': 'recruited by {name}',
  'partners.showRecruits': 'Recruits: {count}',
  'partners.hideRecruits': 'Hide the recruits',
  'regions.period': 'Period',
  'regions.month': 'This month',
  'regions.quarter': 'This quarter',
  'regions.year': 'This year',
  'regions.noSales': 'No sales in this period yet.',
  'regions.chart': 'Net sales by region, {currency}',
  'regions.region': 'Region (with sub-regions)',
  'regions.net': 'Net sales, {currency}',
  'regions.active': 'Active partners',
  'payouts.title': 'Payouts',
  'payouts.currency': 'Currency',
  'payouts.minimum': 'Pay partners owed at least ({currency})',
  'payouts.create': 'Create a payout batch',
  'payouts.made': 'Batch made: {count} payouts, {total} in all.',
  'payouts.csv': 'Download the CSV for the bank',
  'payouts.badAmount': 'enter an amount such as {example}',
  'editor.title': 'New campaign',
  'editor.editTitle': 'Campaign "{name}"',
  'editor.endsAt': 'Ends at',
  'editor.endsAtHelp': 'Leave empty for a campaign without an end.',
  'editor.limits': 'Limits',
  'editor.budget': 'Budget ({currency})',
  'editor.budgetHelp': 'The most money the campaign grants in all; empty for no limit. A reward past it is recorded as capped.',
  'editor.partnerCap': 'Per-partner cap ({currency})',
  'editor.partnerCapHelp': 'The most money one partner is granted per cap period; empty for no cap.',
  'editor.capPeriod': 'Cap period',
  'capPeriod.MONTH': 'Month',
  'capPeriod.QUARTER': 'Quarter',
  'capPeriod.CAMPAIGN': 'The whole campaign',
  'editor.targeting': 'Who takes part',
  'editor.targetingHelp': 'Nothing chosen in a group means everyone; a partner must match every group that has a choice.',
  'editor.kinds': 'Partner kinds',
  'editor.segments': 'Segments',
  'editor.regionCodes': 'Region codes',
  'editor.regionCodesHelp': 'Separated by commas, e.g. RU-MOW, RU-SPE; each region takes in its sub-regions.',
  'editor.levels': 'Partner levels',
  'editor.levelsHelp': 'Whole numbers separated by spaces, e.g. 1 2.',
  'editor.save': 'Save the changes',
  'editor.cancel': 'Stop editing',
  'editor.updated': 'Campaign "{name}" saved.',
  'console.edit': 'Edit',
  'editor.name': 'Name',
  'editor.startsAt': 'Starts at',
  'editor.currency': 'Currency (ISO code)',
  'editor.holdDays': 'Hold days before approval',
  'editor.scheme': 'Reward scheme',
  'editor.addScheme': 'Add the scheme',
  'editor.removeScheme': 'Remove the scheme',
  'editor.add': 'Add: {what}',
  'editor.remove': 'Remove',
  'editor.min': 'at least {min}',
  'editor.max': 'at most {max}',
  'editor.create': 'Create the campaign (as a draft)',
  'editor.created': 'Campaign "{name}" created as a draft; activate it in the list above.',
  'board.title': 'Leaderboard',
  'board.rank': 'Rank',
  'board.partner': 'Partner',
  'board.value': 'Result',
  'board.move': 'Change',
  'board.you': 'you',
  'board.hidden': 'hidden',
  'board.unnamed': 'Partner without a public name',
  'board.ranked': '{count} partners ranked',
  'board.updated': 'Updated {time}',
  'board.empty': 'Nobody is ranked yet in this period.',
  'board.me': 'Your place: {rank} of {count}',
  'board.notRanked': 'You are not ranked in this period yet.',
  'board.up': 'up {n}',
  'board.down': 'down {n}',
  'board.new': 'new',
  'board.live': 'Live',
  'board.connecting': 'Connecting…',
  'board.needsToken': 'This page shows a board to a partner. Open it from your partner cabinet, or add ?token=<partner token> to its address.',
  'board.region': 'Region {code}',
  'metric.EVENTS': 'Events',
  'metric.EVENTS_HOSTED': 'Events hosted',
  'metric.LEADS': 'Leads',
  'metric.NET_SALES': 'Net sales',
  'metric.NEW_CUSTOMERS': 'New customers',
  'metric.POINTS': 'Points',
  'metric.RECRUITS': 'Recruited partners',
  'metric.REWARD_MONEY': 'Rewards earned',
  'metric.SALES': 'Sales',
  'period.DAY': 'Today',
  'period.WEEK': 'This week',
  'period.MONTH': 'This month',
  'period.QUARTER': 'This quarter',
  'period.CAMPAIGN': 'The campaign',
  'period.ALL': 'All time',
  'error.UNAUTHENTICATED': 'Your link has expired or was withdrawn. Open the page again from your partner cabinet to get a fresh one.',
  'error.FORBIDDEN': 'This link does not give access to this page. Ask the program manager for the right one.',
  'error.BAD_USER_INPUT': 'The page address has a mistake: {message}.',
  'error.RATE_LIMITED': 'Too many requests from here. Wait a minute, then reload the page.',
  'error.QUERY_TOO_COMPLEX': 'The page asked for too much at once. Reduce the number of rows shown.',
  'error.NETWORK': 'The server cannot be reached. Check the connection; the page keeps trying.',
  'error.CONFLICT': 'That cannot be done now: {message}.',
  'error.NOT_FOUND': 'That is not there any more: {message}. Reload the page.',
  'error.INTERNAL_SERVER_ERROR': 'The server could not answer. Try again in a moment; if it keeps failing, tell the program manager.',
};

export type MessageKey = keyof typeof en;

/** English's forms for exactly one (`tn`), which Russian does without. */
type OneKey = Extract<MessageKey, `${string}.one`>;

const ru: Record<Exclude<MessageKey, OneKey>, string> = {
  'app.name': 'Cofactor',
  'lang.switch': 'Язык',
  'home.title': 'Партнёрская программа',
  'home.api': 'GraphQL API (HTTP и WebSocket) — по адресу /graphql.',
  'home.pages': 'Страницы',
  'home.board': 'Живой рейтинг: /#/board?token=<токен партнёра>&metric=NET_SALES&period=MONTH',
  'home.schemes': 'Установленные схемы вознаграждения',
  'home.cabinet': 'Кабинет партнёра: /#/cabinet?token=<токен партнёра>',
  'cabinet.title': 'Кабинет партнёра',
  'cabinet.needsToken': 'Это личный кабинет партнёра. Откройте его с сайта бренда или добавьте к адресу ?token=<токен партнёра>.',
  'cabinet.level': 'уровень {level}',
  'cabinet.balances': 'Балансы',
  'cabinet.thisMonth': 'Этот месяц ({month})',
  'cabinet.monthSales': 'Чистые продажи {net} (продаж: {count})',
  'cabinet.rankIn': 'Ваше место в регионе {region}: {rank} из {count}.',
  'cabinet.rankInProgram': 'Ваше место во всей программе: {rank} из {count}.',
  'cabinet.notRankedIn': 'В этом месяце продаж в регионе {region} пока нет.',
  'cabinet.openBoard': 'Открыть живой рейтинг',
  'cabinet.noMoney': 'Денежных вознаграждений пока нет.',
  'cabinet.points': 'Баллы',
  'cabinet.pointsAmount': 'баллов: {points}',
  'cabinet.downline': 'Приглашённые партнёры',
  'cabinet.downlineLevel': 'уровень {depth}: {count}',
  'cabinet.badges': 'Значки',
  'cabinet.rewards': 'Вознаграждения',
  'cabinet.status': 'Статус',
  'cabinet.allStatuses': 'Все',
  'cabinet.noRewards': 'Здесь пока нет вознаграждений.',
  'cabinet.more': 'Показать ещё',
  'chart.title': 'Продажи и заработок за 12 месяцев',
  'chart.sales': 'Чистые продажи',
  'chart.earned': 'Заработано',
  'chart.month': 'Месяц',
  'chart.figures': 'Цифры таблицей',
  'chart.label': 'Чистые продажи и заработок по месяцам, {currency}',
  'progress.title': 'Цели',
  'catalog.title': 'Потратить баллы',
  'catalog.cost': 'баллов: {points}',
  'catalog.redeem': 'Обменять',
  'catalog.redeemItem': 'Обменять на «{item}» (баллов: {points})',
  'catalog.redeemed': '«{item}» — ваш. Осталось баллов: {points}.',
  'progress.of': '{current} из {threshold}',
  'progress.reached': 'достигнута',
  'progress.until': 'до {date}',
  'progress.gives': 'даёт: {reward}',
  'balance.pending': 'В ожидании',
  'balance.approved': 'Одобрено',
  'balance.available': 'Доступно к выплате',
  'balance.paid': 'Выплачено',
  'status.PENDING': 'в ожидании',
  'status.APPROVED': 'одобрено',
  'status.PAID': 'выплачено',
  'status.REJECTED': 'отклонено',
  'status.CAPPED': 'сверх лимита',
  'home.console': 'Консоль менеджера программы: /#/console (нужен ключ API администратора)',
  'console.title': 'Консоль менеджера программы',
  'console.key': 'Ключ API администратора',
  'console.keyHelp': 'Хранится только в этой вкладке браузера — до её закрытия или пока вы его не забудете.',
  'console.open': 'Открыть консоль',
  'console.forget': 'Забыть ключ',
  'console.campaigns': 'Кампании',
  'console.campaign': 'Кампания',
  'console.status': 'Статус',
  'console.dates': 'Даты',
  'console.schemes': 'Схемы',
  'console.actions': 'Действия',
  'console.activate': 'Запустить',
  'console.pause': 'Приостановить',
  'console.queue': 'Ожидают одобрения',
  'console.queueEmpty': 'Денежных вознаграждений, ожидающих одобрения, нет.',
  'console.approve': 'Одобрить ({count})',
  'console.reject': 'Отклонить ({count})',
  'console.reason': 'Причина отклонения (её увидит партнёр)',
  'campaign.DRAFT': 'черновик',
  'campaign.ACTIVE': 'активна',
  'campaign.PAUSED': 'приостановлена',
  'campaign.ENDED': 'завершена',
  'regions.title': 'Регионы рядом',
  'partners.title': 'Партнёры',
  'partnerStatus.PENDING': 'ждёт одобрения',
  'partnerStatus.ACTIVE': 'активен',
  'partnerStatus.SUSPENDED': 'приостановлен',
  'partnerStatus.TERMINATED': 'исключён',
  'partners.search': 'Поиск по имени, реферальному коду или внешнему id',
  'partners.none': 'Никто не найден.',
  'partners.noRecruits': 'Приглашённых нет.',
  'partners.sponsor': 'пригласил(а) {name}',
  'partners.showRecruits': 'Приглашённые: {count}',
  'partners.hideRecruits': 'Скрыть приглашённых',
  'regions.period': 'Период',
  'regions.month': 'Этот месяц',
  'regions.quarter': 'Этот квартал',
  'regions.year': 'Этот год',
  'regions.noSales': 'В этом периоде продаж пока нет.',
  'regions.chart': 'Чистые продажи по регионам, {currency}',
  'regions.region': 'Регион (с подрегионами)',
  'regions.net': 'Чистые продажи, {currency}',
  'regions.active': 'Активные партнёры',
  'payouts.title': 'Выплаты',
  'payouts.currency': 'Валюта',
  'payouts.minimum': 'Платить партнёрам, которым причитается не меньше ({currency})',
  'payouts.create': 'Создать пакет выплат',
  'payouts.made': 'Пакет создан: выплат — {count}, всего {total}.',
  'payouts.csv': 'Скачать CSV для банка',
  'payouts.badAmount': 'введите сумму, например {example}',
  'editor.title': 'Новая кампания',
  'editor.editTitle': 'Кампания «{name}»',
  'editor.endsAt': 'Окончание',
  'editor.endsAtHelp': 'Оставьте пустым для кампании без окончания.',
  'editor.limits': 'Ограничения',
  'editor.budget': 'Бюджет ({currency})',
  'editor.budgetHelp': 'Сколько всего денег может выдать кампания; пусто — без ограничения. Вознаграждение сверх него записывается как урезанное.',
  'editor.partnerCap': 'Лимит на партнёра ({currency})',
  'editor.partnerCapHelp': 'Сколько денег может получить один партнёр за период лимита; пусто — без лимита.',
  'editor.capPeriod': 'Период лимита',
  'capPeriod.MONTH': 'Месяц',
  'capPeriod.QUARTER': 'Квартал',
  'capPeriod.CAMPAIGN': 'Вся кампания',
  'editor.targeting': 'Кто участвует',
  'editor.targetingHelp': 'Ничего не выбрано в группе — значит, все; партнёр должен подходить под каждую группу, где что-то выбрано.',
  'editor.kinds': 'Типы партнёров',
  'editor.segments': 'Сегменты',
  'editor.regionCodes': 'Коды регионов',
  'editor.regionCodesHelp': 'Через запятую, например RU-MOW, RU-SPE; регион включает свои подрегионы.',
  'editor.levels': 'Уровни партнёров',
  'editor.levelsHelp': 'Целые числа через пробел, например 1 2.',
  'editor.save': 'Сохранить изменения',
  'editor.cancel': 'Закончить правку',
  'editor.updated': 'Кампания «{name}» сохранена.',
  'console.edit': 'Изменить',
  'editor.name': 'Название',
  'editor.startsAt': 'Начало',
  'editor.currency': 'Валюта (код ISO)',
  'editor.holdDays': 'Дней удержания до одобрения',
  'editor.scheme': 'Схема вознаграждения',
  'editor.addScheme': 'Добавить схему',
  'editor.removeScheme': 'Убрать схему',
  'editor.add': 'Добавить: {what}',
  'editor.remove': 'Убрать',
  'editor.min': 'не меньше {min}',
  'editor.max': 'не больше {max}',
  'editor.create': 'Создать кампанию (черновик)',
  'editor.created': 'Кампания «{name}» создана как черновик; запустите её в списке выше.',
  'board.title': 'Рейтинг',
  'board.rank': 'Место',
  'board.partner': 'Партнёр',
  'board.value': 'Результат',
  'board.move': 'Изменение',
  'board.you': 'вы',
  'board.hidden': 'скрыто',
  'board.unnamed': 'Партнёр без публичного имени',
  'board.ranked': 'Участников в рейтинге: {count}',
  'board.updated': 'Обновлено {time}',
  'board.empty': 'В этом периоде в рейтинге пока никого нет.',
  'board.me': 'Ваше место: {rank} из {count}',
  'board.notRanked': 'В этом периоде вас пока нет в рейтинге.',
  'board.up': 'вверх на {n}',
  'board.down': 'вниз на {n}',
  'board.new': 'новый',
  'board.live': 'В эфире',
  'board.connecting': 'Подключение…',
  'board.needsToken': 'Эта страница показывает рейтинг партнёру. Откройте её из личного кабинета или добавьте к адресу ?token=<токен партнёра>.',
  'board.region': 'Регион {code}',
  'metric.EVENTS': 'События',
  'metric.EVENTS_HOSTED': 'Проведённые мероприятия',
  'metric.LEADS': 'Заявки',
  'metric.NET_SALES': 'Чистые продажи',
  'metric.NEW_CUSTOMERS': 'Новые клиенты',
  'metric.POINTS': 'Баллы',
  'metric.RECRUITS': 'Приглашённые партнёры',
  'metric.REWARD_MONEY': 'Начисленные вознаграждения',
  'metric.SALES': 'Продажи',
  'period.DAY': 'Сегодня',
  'period.WEEK': 'Эта неделя',
  'period.MONTH': 'Этот месяц',
  'period.QUARTER': 'Этот квартал',
  'period.CAMPAIGN': 'Кампания',
  'period.ALL': 'За всё время',
  'error.UNAUTHENTICATED': 'Срок действия ссылки истёк или она отозвана. Откройте страницу заново из личного кабинета.',
  'error.FORBIDDEN': 'Эта ссылка не даёт доступа к странице. Попросите нужную ссылку у менеджера программы.',
  'error.BAD_USER_INPUT': 'В адресе страницы ошибка: {message}.',
  'error.RATE_LIMITED': 'Слишком много запросов. Подождите минуту и обновите страницу.',
  'error.QUERY_TOO_COMPLEX': 'Страница запросила слишком много сразу. Уменьшите число строк.',
  'error.NETWORK': 'Сервер недоступен. Проверьте подключение — страница продолжает попытки.',
  'error.CONFLICT': 'Сейчас это сделать нельзя: {message}.',
  'error.NOT_FOUND': 'Этого больше нет: {message}. Обновите страницу.',
  'error.INTERNAL_SERVER_ERROR': 'Сервер не смог ответить. Попробуйте чуть позже; если ошибка повторяется, сообщите менеджеру программы.',
};

const MESSAGES: Record<Locale, Partial<Record<MessageKey, string>>> = { en, ru };

export function isLocale(value: unknown): value is Locale {
  return LOCALES.includes(value as Locale);
}

/** The language to start in: the one chosen before in this browser, else Russian for a browser that prefers it. */
export function initialLocale(): Locale {
  const stored = localStorage.getItem(STORED);
  if (isLocale(stored)) return stored;
  return navigator.languages.some((language) => language.toLowerCase().startsWith('ru')) ? 'ru' : 'en';
}

let current: Locale = initialLocale();
const listeners = new Set<(locale: Locale) => void>();

export function setLocale(locale: Locale): void {
  current = locale;
  localStorage.setItem(STORED, locale);
  document.documentElement.lang = locale;
  for (const listener of listeners) listener(locale);
}

/** The current language; the component renders again when it changes. */
export function useLocale(): Locale {
  const [locale, setState] = useState(current);
  useEffect(() => {
    listeners.add(setState);
    return () => void listeners.delete(setState);
  }, []);
  return locale;
}

/**
 * A message in `locale`, with `{name}` placeholders filled. A key made from the address or the
 * server (`metric.${metric}`) may name no message: then the key itself is shown, not a crash.
 */
export function t(locale: Locale, key: MessageKey, values: Record<string, string | number> = {}): string {
  return (MESSAGES[locale][key] ?? key).replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? ''));
}

/**
 * `t` for a message about `count` things: English says "1 sale" but "2 sales", so a message may
 * have a `<key>.one` for exactly one; the Russian messages name the count after a colon
 * ("продаж: 5") and need no forms.
 */
export function tn(locale: Locale, key: MessageKey, count: string | number, values: Record<string, string | number> = {}): string {
  const one = `${key}.one` as MessageKey;
  return t(locale, String(count) === '1' && MESSAGES[locale][one] !== undefined ? one : key, values);
}

/** A whole number sent as a JSON number, or as a string beyond 2^53. */
export type Whole = number | string;

export function formatCount(locale: Locale, value: Whole): string {
  return new Intl.NumberFormat(locale).format(BigInt(value));
}

/**
 * An amount in a currency's minor units, exactly: the units are split by the currency's own
 * number of decimals and formatted from the decimal string, never through a float.
 */
export function formatMoney(locale: Locale, minor: Whole, currency: string): string {
  const format = new Intl.NumberFormat(locale, { style: 'currency', currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  const amount = BigInt(minor);
  const sign = amount < 0n ? '-' : '';
  const units = (amount < 0n ? -amount : amount).toString().padStart(digits + 1, '0');
  const decimal = digits ? `${units.slice(0, -digits)}.${units.slice(-digits)}` : units;
  // Intl formats a decimal string exactly; its types still say number.
  return format.format(`${sign}${decimal}` as unknown as number);
}

/** Points are kept in hundredths of a point: 150 is 1.5 points. */
export function formatPoints(locale: Locale, hundredths: Whole): string {
  const value = BigInt(hundredths);
  const sign = value < 0n ? '-' : '';
  const digits = (value < 0n ? -value : value).toString().padStart(3, '0');
  // Intl formats a decimal string exactly; its types still say number.
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(`${sign}${digits.slice(0, -2)}.${digits.slice(-2)}` as unknown as number);
}

/** A moment's local date; '' for what is not a moment. */
export function formatDate(locale: Locale, iso: string): string {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? '' : new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(at);
}

/** A moment's local time of day; '' for what is not a moment. */
export function formatTime(locale: Locale, iso: string): string {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? '' : new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(at);
}
