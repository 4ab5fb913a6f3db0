// Lists the installed reward schemes; a file, not an inline script, so the page's
// Content-Security-Policy can allow scripts from this server only.
const list = document.getElementById('schemes');
const response = await fetch('/graphql', {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ query: '{ rewardSchemes { code version description { en } } }' }),
});
const { data } = await response.json();
list.replaceChildren(...data.rewardSchemes.map((scheme) => {
  const item = document.createElement('li');
  item.innerHTML = `<code>${scheme.code}</code> ${scheme.version} — `;
  item.append(scheme.description.en);
  return item;
}));
