import KaoheApplication

/// The hand-written stylesheet and script the app serves itself (no CDN, no libraries).
enum Assets {
    static let css = """
        :root { --ink: #1f2933; --line: #d9dee3; --accent: #b22222; --muted: #56616e; --bg: #f7f8fa; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.6 "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", sans-serif; color: var(--ink); background: var(--bg); }
        header { display: flex; align-items: center; gap: 1.5em; padding: .6em 1.5em; background: #fff; border-bottom: 3px solid var(--accent); }
        .brand { font-weight: bold; color: var(--accent); text-decoration: none; font-size: 1.1em; }
        nav { display: flex; gap: 1em; align-items: center; flex: 1; flex-wrap: wrap; }
        nav a { color: var(--ink); }
        nav .who { margin-left: auto; color: var(--muted); }
        .badge { display: inline-block; min-width: 1.5em; margin-left: .25em; padding: 0 .4em; border-radius: 1em; background: var(--accent); color: #fff; font-size: .8em; text-align: center; }
        tr.unread td:nth-child(2) > a { font-weight: bold; }
        main { max-width: 1100px; margin: 1.5em auto; padding: 0 1.5em; }
        h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.5em; }
        table { border-collapse: collapse; width: 100%; background: #fff; }
        th, td { border: 1px solid var(--line); padding: .4em .6em; text-align: left; vertical-align: top; }
        th { background: #eef1f4; white-space: nowrap; }
        td.d1 { padding-left: 2em; } td.d2 { padding-left: 3.5em; } td.d3 { padding-left: 5em; } td.d4, td.d5, td.d6 { padding-left: 6.5em; }
        .card { background: #fff; border: 1px solid var(--line); padding: 1em 1.2em; display: grid; gap: .7em; max-width: 640px; }
        .narrow { max-width: 360px; }
        .card > button { justify-self: start; padding: .4em 1.6em; }
        label { display: grid; gap: .2em; } label.check { display: inline-flex; gap: .3em; margin-right: .8em; }
        input, select, textarea, button { font: inherit; padding: .35em .5em; }
        button { background: var(--accent); color: #fff; border: 0; cursor: pointer; border-radius: 3px; }
        form.inline { display: inline; } form.inline button { background: none; color: var(--ink); text-decoration: underline; padding: 0; }
        form.roles { display: flex; flex-wrap: wrap; gap: .4em; align-items: center; }
        .notice { background: #e8f5e9; border-left: 4px solid #2e7d32; padding: .5em 1em; }
        .error { background: #fdecea; border-left: 4px solid var(--accent); padding: .5em 1em; }
        .muted { color: var(--muted); } .tag.warn { color: var(--accent); font-size: .85em; }
        .stats { display: flex; gap: 1em; flex-wrap: wrap; } .stat { background: #fff; border: 1px solid var(--line); padding: 1em 1.5em; min-width: 8em; }
        .stat b { display: block; font-size: 1.8em; } .stat.alert { border-color: #b71c1c; } .stat.alert b { color: #b71c1c; }
        ol.states { display: flex; gap: .3em; list-style: none; padding: 0; }
        ol.states li { padding: .2em .9em; background: #e4e8ec; border-radius: 1em; color: var(--muted); }
        ol.states li.current { background: var(--accent); color: #fff; }
        .state { font-size: .9em; } .state.s-final { color: var(--accent); font-weight: bold; }
        button.secondary { background: #fff; color: var(--accent); border: 1px solid var(--accent); }
        td.json { font-family: monospace; font-size: .85em; word-break: break-all; max-width: 24em; }
        .buttons { display: flex; gap: .5em; flex-wrap: wrap; }
        @media print { header, form { display: none; } body { background: #fff; } }
        section.item { background: #fff; border: 1px solid var(--line); padding: .2em 1.2em 1em; margin: 1em 0; }
        section.item h2 { display: flex; justify-content: space-between; gap: 1em; }
        .score { color: var(--accent); white-space: nowrap; } .score.pending { color: var(--muted); }
        .explain { background: #f3f6f9; padding: .4em .8em; } input.short { width: 6em; } fieldset { border: 1px solid var(--line); }
        table.dates { width: auto; } table.dates td { padding: .2em; } .charts img { max-width: 100%; background: #fff; margin: .5em 0; }
        table.sheet td.num { text-align: right; white-space: nowrap; } table.sheet td.cat { font-weight: bold; }
        .sign { margin-top: 2em; } table.narrow-table { width: auto; min-width: 16em; }
        @page { size: A4; margin: 15mm 12mm; }
        @media print { .no-print, nav { display: none; } main { max-width: none; margin: 0; padding: 0; } body { font-size: 11px; }
          table.sheet { font-size: 10.5px; } table.sheet tr { break-inside: avoid; } table.sheet th, table.sheet td { padding: .2em .35em; } }
        """ + "\n" + EvidenceViews.css + "\n" + BulletinViews.css + "\n" + RecordViews.css + "\n" + ItemGridViews.css
        + "\n" + LedgerViews.css + "\n" + RaterViews.css + "\n" + ListViews.css + "\n" + DashboardViews.css
        + "\n" + Views.unitEntryCSS

    static let js = """
        // Reads a chosen CSV file into the textarea named by data-fill, so the form posts plain text.
        document.addEventListener('change', function (event) {
          var input = event.target;
          if (!input.matches || !input.matches('input[type=file][data-fill]') || !input.files.length) return;
          var target = document.getElementById(input.getAttribute('data-fill'));
          var reader = new FileReader();
          reader.onload = function () { target.value = reader.result; };
          reader.readAsText(input.files[0], 'utf-8');
          var nameField = document.getElementById(input.getAttribute('data-name') || '');
          if (nameField) nameField.value = input.files[0].name;
        });
        """ + "\n" + EvidenceViews.js + "\n" + RecordViews.js + "\n" + ItemGridViews.js
}
