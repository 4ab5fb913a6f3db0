import { csvLine, csvText, csvValue } from './csv.js';

describe('CSV cells', () => {
  it('prefixes a text cell that starts like a formula with an apostrophe', () => {
    expect(csvText('=SUM(A1:A9)')).toBe("'=SUM(A1:A9)");
    expect(csvText('+7 999 123')).toBe("'+7 999 123");
    expect(csvText('-2+3')).toBe("'-2+3");
    expect(csvText('@SUM(A1)')).toBe("'@SUM(A1)");
    // A tab and a CR: the guarded cell holds a CR, so it is quoted too.
    expect(csvText('\t=1')).toBe("'\t=1");
    expect(csvText('\r=1')).toBe('"\'\r=1"');
  });

  it('guards formulas behind leading spaces and the full-width ＝ ＋ － ＠', () => {
    expect(csvText('   =1+1')).toBe("'   =1+1");
    expect(csvText('\u3000=1+1')).toBe("'\u3000=1+1");
    expect(csvText('＝1+1')).toBe("'＝1+1");
    expect(csvText('＋1')).toBe("'＋1");
    expect(csvText('－1')).toBe("'－1");
    expect(csvText('＠A1')).toBe("'＠A1");
    expect(csvText('  ＝1')).toBe("'  ＝1");
  });

  it('leaves other text as it is, a formula sign inside it included', () => {
    expect(csvText('Anna')).toBe('Anna');
    expect(csvText('A=1')).toBe('A=1');
    expect(csvText('  Anna')).toBe('  Anna');
    expect(csvText('')).toBe('');
  });

  it('quotes a cell holding a comma, a quote, CR or LF, doubling its quotes', () => {
    expect(csvText('Petrov, Ivan')).toBe('"Petrov, Ivan"');
    expect(csvText('the "best" seller')).toBe('"the ""best"" seller"');
    expect(csvText('line 1\nline 2')).toBe('"line 1\nline 2"');
    expect(csvText('line 1\r\nline 2')).toBe('"line 1\r\nline 2"');
    // Guarded and quoted: the apostrophe goes inside the quotes.
    expect(csvText('=HYPERLINK("http://x.example","click")')).toBe('"\'=HYPERLINK(""http://x.example"",""click"")"');
  });

  it('never guards a value the exporter formats, so a negative amount stays a number', () => {
    expect(csvValue('-500')).toBe('-500');
    expect(csvValue('2026-11-03T10:00:00.000Z')).toBe('2026-11-03T10:00:00.000Z');
    expect(csvValue('{"a":"b,c"}')).toBe('"{""a"":""b,c""}"');
  });

  it('ends each record with CRLF', () => {
    expect(csvLine(['id', 'amount', 'currency'])).toBe('id,amount,currency\r\n');
    expect(csvLine(['1', '-500', 'RUB'])).toBe('1,-500,RUB\r\n');
    expect(csvLine([''])).toBe('\r\n');
  });
});
