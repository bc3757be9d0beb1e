/// The console's Mustache templates. Kept in the binary so a deployment is
/// one executable; `{{x}}` escapes HTML, and `{{{x}}}` is used only for
/// markup this module built itself (the page body inside the layout).
enum Templates {
    static let all: [String: String] = [
        "layout": layout, "sign-in": signIn, "forbidden": forbidden, "not-found": notFound, "problem": problem,
        "overview": overview, "topic": topic, "group": group, "dead-letters": deadLetters, "dead-letter": deadLetter,
        "replay-confirm": replayConfirm, "replay-result": replayResult, "agreements": agreements, "audit": audit, "users": users,
        "deliveries": deliveries, "impact": impact, "impact-refused": impactRefused, "impact-report": impactReport, "review": review,
    ]

    static let layout = """
    <!DOCTYPE html>
    <html lang="en-GB">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    {{#refresh}}<meta http-equiv="refresh" content="{{refresh}}">{{/refresh}}
    <title>{{title}} · One Halton Exchange</title>
    <link rel="stylesheet" href="/static/console.css">
    </head>
    <body>
    <header>
    <span class="brand">One Halton Exchange</span>
    {{#user}}
    <nav>
    {{#seesOperations}}<a href="/">Overview</a>
    <a href="/dead-letters">Dead letters</a>
    <a href="/deliveries">Deliveries</a>
    <a href="/agreements">Agreements</a>{{/seesOperations}}
    {{#isReviewer}}<a href="/review">Review</a>{{/isReviewer}}
    {{#isAuditor}}<a href="/audit">Audit</a>{{/isAuditor}}
    {{#mayRunImpact}}<a href="/impact">Impact</a>{{/mayRunImpact}}
    {{#isAdmin}}<a href="/users">Users</a>{{/isAdmin}}
    </nav>
    <form method="post" action="/sign-out" class="sign-out">
    <span class="who">{{name}} ({{role}})</span>
    <input type="hidden" name="_csrf" value="{{csrf}}">
    <button id="sign-out" type="submit">Sign out</button>
    </form>
    {{/user}}
    </header>
    <main>
    {{{body}}}
    </main>
    </body>
    </html>
    """

    static let signIn = """
    <h1>Sign in</h1>
    {{#error}}<p id="sign-in-error" class="error">{{error}}</p>{{/error}}
    {{#oidc}}<p><a id="sign-in-oidc" class="button" href="/sign-in/oidc">Sign in with {{name}}</a></p>{{/oidc}}
    {{#local}}
    <form method="post" action="/sign-in" class="sign-in">
    <input type="hidden" name="_csrf" value="{{csrf}}">
    <label>User name <input name="username" autocomplete="username" required autofocus></label>
    <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
    <button id="sign-in" type="submit">Sign in</button>
    </form>
    {{/local}}
    """

    static let forbidden = """
    <h1 id="forbidden">Not for your role</h1>
    <p>This page is for {{allowed}} only. You are signed in as {{role}}.</p>
    """

    static let notFound = """
    <h1 id="not-found">Not found</h1>
    <p>{{what}}</p>
    """

    static let problem = """
    <h1 id="problem">{{heading}}</h1>
    <p>{{message}}</p>
    """

    static let deliveries = """
    <h1>Deliveries</h1>
    <p>Each recipient with a delivery block in organisations.yaml, from its delivery topic and hx.delivery.v1: \
    failing first. A failed delivery is a <a href="/dead-letters">dead letter</a> (stage deliver) until replayed. \
    Overdue: deliveries over MESH whose ITK3 acknowledgement is later than the delivery block allows. \
    This page refreshes every 30 seconds.</p>
    <table id="deliveries">
    <thead><tr><th>Recipient</th><th>Transport</th><th>State</th><th>Records</th><th>Sent</th><th>Failed</th><th>Overdue acknowledgements</th><th>Waiting</th><th>Oldest waiting since</th><th>Last sent</th><th>Last problem</th></tr></thead>
    <tbody>
    {{#rows}}<tr class="state-{{state}}"><td>{{recipient}}</td><td>{{transport}}</td><td><span class="badge {{state}}">{{state}}</span></td><td>{{records}}</td><td>{{sent}}</td><td>{{failed}}</td><td>{{overdue}}</td><td>{{undelivered}}</td><td>{{waitingSince}}</td><td>{{lastSent}}</td><td>{{problem}}</td></tr>
    {{/rows}}
    {{#none}}<tr><td colspan="11">No organisation has a delivery block: recipients read their delivery topics themselves.</td></tr>{{/none}}
    </tbody>
    </table>
    """

    /// Identifiers throughout: for identity reviewers only (`Access.review`), recorded before shown.
    static let review = """
    <h1>Identity review</h1>
    <p>Messages the router held because it could not tell who they are about, oldest first. Link one to the person it is about, or reject it, with a reason: the resolution is recorded in the audit log under your name first, then the router decides the message again, once.</p>
    {{#notice}}<p class="notice" id="review-notice">{{notice}}</p>{{/notice}}
    <p id="review-summary">{{summary}}</p>
    {{#items}}
    <section class="review-item" id="item-{{place}}">
    <h2>Held message {{place}} <span class="age">held {{age}}</span></h2>
    <p>{{messageType}} from {{source}}; reason {{reasonCode}}{{#practice}}; registered practice {{practice}}{{/practice}}{{#localIds}}; local ids {{localIds}}{{/localIds}}.</p>
    <table class="candidates">
    <thead><tr><th>Field</th><th>In the message</th>{{#candidates}}<th>{{nhsNumber}} (score {{total}})</th>{{/candidates}}</tr></thead>
    <tbody>
    {{#rows}}<tr><th>{{field}}</th><td>{{held}}</td>{{#cells}}<td class="agreement-{{agreement}}">{{value}} <span class="badge {{agreement}}">{{agreement}}{{#detail}} ({{detail}}){{/detail}} {{weight}}</span></td>{{/cells}}</tr>
    {{/rows}}
    </tbody>
    </table>
    {{^candidates}}<p>No candidate: nobody known scores enough to be shown. Link to an NHS number found elsewhere, or reject.</p>{{/candidates}}
    <form method="post" action="/review/link" class="resolve">
    <input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="item" value="{{place}}">
    <label>NHS number <input name="nhsNumber" list="candidates-{{place}}" required pattern="[0-9 ]{10,12}" autocomplete="off"></label>
    <datalist id="candidates-{{place}}">{{#candidates}}<option value="{{nhsNumber}}">{{/candidates}}</datalist>
    <label>Reason <input name="reason" required maxlength="2000"></label>
    <button type="submit" class="link">Link</button>
    </form>
    <form method="post" action="/review/reject" class="resolve">
    <input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="item" value="{{place}}">
    <label>Reason <input name="reason" required maxlength="2000"></label>
    <button type="submit" class="reject">Reject</button>
    </form>
    </section>
    {{/items}}
    {{^items}}<p id="review-empty">Nothing is held for review.</p>{{/items}}
    """

    static let overview = """
    <h1>Overview</h1>
    <p class="as-of">As of {{takenAt}}. This page refreshes every 30 seconds.</p>
    <section class="tiles">
    <div class="tile"><span class="label">Dead letters waiting</span> <a href="/dead-letters" id="dead-letters-waiting" class="big">{{deadLettersWaiting}}</a></div>
    <div class="tile"><span class="label">Held for identity review</span> <span id="review-held" class="big">{{reviewHeld}}</span> <span class="label" id="review-oldest">{{#reviewOldest}}oldest {{reviewOldest}}{{/reviewOldest}}</span></div>
    {{#decisions}}<div class="tile outcome-{{outcome}}"><span class="label">{{label}}, last 24 h</span> <span class="big">{{count}}</span></div>{{/decisions}}
    </section>
    {{#alerts}}
    <h2>Alerts firing</h2>
    {{#unavailable}}<p class="error" id="alerts-unavailable">{{unavailable}}</p>{{/unavailable}}
    {{#none}}<p id="no-alerts">None: Prometheus has no alert firing.</p>{{/none}}
    <table id="alerts">
    <tbody>
    {{#firing}}<tr class="severity-{{severity}}"><td><span class="badge {{severity}}">{{severity}}</span></td><td>{{name}}</td><td>{{summary}}</td><td>since {{since}}</td><td>{{runbook}}</td></tr>
    {{/firing}}
    </tbody>
    </table>
    {{/alerts}}
    {{#hasDeliveryProblems}}
    <h2>Recipients not getting their deliveries</h2>
    <table id="delivery-problems">
    <thead><tr><th>Recipient</th><th>State</th><th>Waiting</th><th>Failed</th><th>Last problem</th></tr></thead>
    <tbody>
    {{#deliveryProblems}}<tr class="state-{{state}}"><td><a href="/deliveries">{{recipient}}</a></td><td><span class="badge {{state}}">{{state}}</span></td><td>{{undelivered}}</td><td>{{failed}}</td><td>{{problem}}</td></tr>
    {{/deliveryProblems}}
    </tbody>
    </table>
    {{/hasDeliveryProblems}}
    <h2>Adapters</h2>
    <table id="adapters">
    <thead><tr><th>Adapter</th><th>State</th><th>Last heartbeat</th><th>Received</th><th>Published</th><th>Rejected</th></tr></thead>
    <tbody>
    {{#components}}<tr class="state-{{state}}"><td>{{component}}</td><td><span class="badge {{state}}">{{state}}</span></td><td>{{lastBeat}}</td><td>{{received}}</td><td>{{published}}</td><td>{{rejected}}</td></tr>
    {{/components}}
    {{^components}}<tr><td colspan="6">No heartbeat yet on hx.heartbeat.v1.</td></tr>{{/components}}
    </tbody>
    </table>
    <h2>Topics</h2>
    <table id="topics">
    <thead><tr><th>Topic</th><th>Partitions</th><th>Records</th><th>In / min</th><th>Out / min</th></tr></thead>
    <tbody>
    {{#topics}}<tr><td><a href="/topics/{{name}}">{{name}}</a></td><td>{{partitions}}</td><td>{{records}}</td><td>{{inPerMinute}}</td><td>{{outPerMinute}}</td></tr>
    {{/topics}}
    </tbody>
    </table>
    <h2>Consumer groups</h2>
    <table id="groups">
    <thead><tr><th>Group</th><th>State</th><th>Topics</th><th>Lag</th></tr></thead>
    <tbody>
    {{#groups}}<tr class="{{#lagging}}lagging{{/lagging}}"><td><a href="/groups/{{id}}">{{id}}</a></td><td>{{state}}</td><td>{{topics}}</td><td>{{lag}}</td></tr>
    {{/groups}}
    {{^groups}}<tr><td colspan="4">No consumer group has committed offsets.</td></tr>{{/groups}}
    </tbody>
    </table>
    """

    static let topic = """
    <h1>Topic {{name}}</h1>
    <p>In per minute: {{inPerMinute}} · out per minute: {{outPerMinute}}</p>
    <table id="partitions">
    <thead><tr><th>Partition</th><th>Earliest offset</th><th>Next offset</th><th>Records</th></tr></thead>
    <tbody>{{#partitions}}<tr><td>{{partition}}</td><td>{{low}}</td><td>{{high}}</td><td>{{records}}</td></tr>{{/partitions}}</tbody>
    </table>
    <h2>Consumer groups reading it</h2>
    <table id="topic-groups">
    <thead><tr><th>Group</th><th>Partition</th><th>Committed</th><th>Lag</th></tr></thead>
    <tbody>{{#groups}}<tr><td><a href="/groups/{{group}}">{{group}}</a></td><td>{{partition}}</td><td>{{committed}}</td><td>{{lag}}</td></tr>{{/groups}}
    {{^groups}}<tr><td colspan="4">None.</td></tr>{{/groups}}</tbody>
    </table>
    """

    static let group = """
    <h1>Consumer group {{id}}</h1>
    <p>State: {{state}} · total lag: <span id="group-lag">{{lag}}</span></p>
    <table id="group-partitions">
    <thead><tr><th>Topic</th><th>Partition</th><th>Committed</th><th>Next offset</th><th>Lag</th></tr></thead>
    <tbody>{{#partitions}}<tr><td><a href="/topics/{{topic}}">{{topic}}</a></td><td>{{partition}}</td><td>{{committed}}</td><td>{{high}}</td><td>{{lag}}</td></tr>{{/partitions}}</tbody>
    </table>
    """

    static let deadLetters = """
    <h1>Dead letters</h1>
    <p>{{waiting}} waiting, {{replayed}} replayed. A dead letter stays on hx.dlq.v1 for good; a replay re-sends it through its adapter's translator as configured now.</p>
    <form method="post" action="/dead-letters/replay">
    <input type="hidden" name="_csrf" value="{{csrf}}">
    <table id="dead-letters">
    <thead><tr>{{#canReplay}}<th></th>{{/canReplay}}<th>Reason</th><th>Stage</th><th>Adapter</th><th>Where</th><th>Age</th><th>Status</th><th></th></tr></thead>
    <tbody>
    {{#letters}}<tr class="{{status}}">{{#canReplay}}<td><input type="checkbox" name="ref" value="{{ref}}" aria-label="select {{ref}}"></td>{{/canReplay}}<td>{{reasonCode}}</td><td>{{stage}}</td><td>{{adapter}}</td><td>{{location}}</td><td>{{age}}</td><td>{{status}}</td><td><a href="/dead-letters/{{ref}}">details</a></td></tr>
    {{/letters}}
    {{^letters}}<tr><td colspan="8">No dead letters.</td></tr>{{/letters}}
    </tbody>
    </table>
    {{#canReplay}}<button id="replay-selected" type="submit">Replay selected…</button>{{/canReplay}}
    </form>
    """

    static let deadLetter = """
    <h1>Dead letter {{ref}}</h1>
    <dl id="dead-letter">
    <dt>Id</dt><dd>{{id}}</dd>
    <dt>Reason</dt><dd>{{reasonCode}}</dd>
    <dt>Stage</dt><dd>{{stage}}</dd>
    <dt>Adapter</dt><dd>{{adapter}}</dd>
    <dt>Source organisation</dt><dd>{{sourceOrganisation}}</dd>
    <dt>Where in the input</dt><dd>{{location}}</dd>
    <dt>Error</dt><dd>{{error}}</dd>
    <dt>Written</dt><dd>{{writtenAt}}</dd>
    <dt>Size</dt><dd>{{valueBytes}} bytes{{#valueOmitted}} ({{valueOmitted}}){{/valueOmitted}}</dd>
    <dt>Status</dt><dd>{{status}}</dd>
    </dl>
    {{#canSeeInput}}
    {{#input}}<h2>Rejected input</h2><p class="note">Your viewing has been recorded in the audit log.</p><pre id="dead-letter-input">{{input}}</pre>{{/input}}
    {{^input}}<form method="post" action="/dead-letters/{{ref}}/input"><input type="hidden" name="_csrf" value="{{csrf}}"><button id="show-input" type="submit">Show the rejected input (recorded in the audit log)</button></form>{{/input}}
    {{/canSeeInput}}
    {{^canSeeInput}}<p class="note">The rejected input may hold patient data: only auditors can see it.</p>{{/canSeeInput}}
    """

    static let replayConfirm = """
    <h1>Replay dead letters</h1>
    <p><span id="replay-count" class="big">{{readyCount}}</span> {{readyNoun}} will be re-sent{{#messageCount}}, as {{messageCount}} canonical {{messageNoun}}{{/messageCount}}.{{#notReadyCount}} {{notReadyCount}} cannot be re-sent (below).{{/notReadyCount}}</p>
    <table id="replay-plan">
    <thead><tr><th>Dead letter</th><th>Reason</th><th>Adapter</th><th>What will happen</th></tr></thead>
    <tbody>{{#items}}<tr class="{{class}}"><td><a href="/dead-letters/{{ref}}">{{ref}}</a></td><td>{{reasonCode}}</td><td>{{adapter}}</td><td>{{verdict}}</td></tr>{{/items}}</tbody>
    </table>
    {{#readyCount}}
    <form method="post" action="/dead-letters/replay/confirm">
    <input type="hidden" name="_csrf" value="{{csrf}}">
    {{#readyRefs}}<input type="hidden" name="ref" value="{{.}}">{{/readyRefs}}
    <button id="confirm-replay" type="submit">Re-send {{readyCount}} {{readyNoun}}</button>
    <a href="/dead-letters">Cancel</a>
    </form>
    {{/readyCount}}
    {{^readyCount}}<p><a href="/dead-letters">Back to dead letters</a></p>{{/readyCount}}
    """

    static let replayResult = """
    <h1>Replay done</h1>
    <table id="replay-result">
    <thead><tr><th>Original</th><th>Result</th><th>Audit record</th></tr></thead>
    <tbody>{{#items}}<tr class="{{class}}"><td><a class="original" href="/dead-letters/{{ref}}">{{ref}}</a></td><td>{{result}}</td><td>{{audit}}</td></tr>{{/items}}</tbody>
    </table>
    <p><a href="/dead-letters">Back to dead letters</a></p>
    """

    static let agreements = """
    <h1>Data sharing agreements</h1>
    <p>As of {{today}}. Highlighted: agreements ending within 90 days, ended but still marked active, or in force yet
    deciding nothing in 90 days. {{^counted}}<span class="error" id="counts-unavailable">The audit index could not be read: decisions are not shown.</span>{{/counted}}</p>
    <table id="agreements">
    <thead><tr><th>Id</th><th>Title</th><th>Version</th><th>Status</th><th>Purpose</th><th>From</th><th>To</th><th>Valid from</th><th>Valid to</th><th>Decisions, last 30 days</th><th></th></tr></thead>
    <tbody>{{#agreements}}<tr class="{{class}}"><td>{{id}}</td><td>{{title}}</td><td>{{version}}</td><td>{{status}}</td><td>{{purpose}}</td><td>{{sources}}</td><td>{{recipients}}</td><td>{{validFrom}}</td><td>{{validTo}}</td><td>{{decided}}</td><td>{{note}}</td></tr>{{/agreements}}</tbody>
    </table>
    """

    static let audit = """
    <h1>Audit log</h1>
    <p class="note">Every search and report is itself recorded in the audit log, with your name.</p>
    <form method="post" action="/audit/search" id="audit-search">
    <input type="hidden" name="_csrf" value="{{csrf}}">
    <label>NHS number <input name="nhsNumber" value="{{q.nhsNumber}}" inputmode="numeric" pattern="[0-9]{10}"></label>
    <label>Organisation <input name="organisation" value="{{q.organisation}}"></label>
    <label>Agreement <input name="agreement" value="{{q.agreement}}"></label>
    <label>Outcome <select name="outcome"><option value="">any</option>{{#outcomes}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/outcomes}}</select></label>
    <label>Reason <input name="reason" value="{{q.reason}}"></label>
    <label>Kind <select name="kind"><option value="">any</option>{{#kinds}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/kinds}}</select></label>
    <label>From <input name="from" value="{{q.from}}" placeholder="2026-01-01"></label>
    <label>To <input name="to" value="{{q.to}}" placeholder="2026-12-31"></label>
    <button id="search" type="submit" name="format" value="page">Search</button>
    <button id="export-csv" type="submit" name="format" value="csv">Export CSV</button>
    </form>
    {{#error}}<p class="error" id="search-error">{{error}}</p>{{/error}}
    {{#searched}}
    <h2>{{count}} records{{#truncated}} (the newest {{count}}; narrow the search for older){{/truncated}}</h2>
    <table id="audit-results">
    <thead><tr><th>Time</th><th>Kind</th><th>NHS number</th><th>Type</th><th>From</th><th>To</th><th>Outcome</th><th>Decision</th><th>Agreement</th><th>Reasons</th><th>Chain / sequence</th></tr></thead>
    <tbody>{{#rows}}<tr><td>{{time}}</td><td>{{kind}}</td><td>{{nhsNumber}}</td><td>{{messageType}}</td><td>{{source}}</td><td>{{recipient}}</td><td>{{outcome}}</td><td title="{{decision}}">{{decisionShort}}</td><td>{{agreement}}</td><td>{{reasons}}</td><td>{{chain}} #{{sequence}}</td></tr>{{/rows}}</tbody>
    </table>
    {{#nhsNumber}}<p><a id="subject-access-report" href="/audit/report?nhsNumber={{nhsNumber}}">Subject access report for {{nhsNumber}}</a></p>{{/nhsNumber}}
    {{/searched}}
    <h2>Chain verification</h2>
    {{#verification}}<p id="verification" class="{{class}}">{{summary}} (checked {{checkedAt}})</p>
    <table id="chains"><thead><tr><th>Chain</th><th>Records</th><th>Last sequence</th><th>Status</th></tr></thead>
    <tbody>{{#chains}}<tr class="{{class}}"><td>{{chainId}}</td><td>{{records}}</td><td>{{lastSequence}}</td><td>{{status}}</td></tr>{{/chains}}</tbody></table>
    {{#conflicts}}<p class="error">Conflict: {{.}}</p>{{/conflicts}}
    {{/verification}}
    {{^verification}}<p id="verification">Not verified since the console started.</p>{{/verification}}
    <form method="post" action="/audit/verify"><input type="hidden" name="_csrf" value="{{csrf}}"><button id="verify" type="submit">Verify every chain now</button></form>
    """

    static let impact = """
    <h1>Impact of a proposed configuration</h1>
    <p>Upload the proposed <code>config</code> folder as a zip or a plain tar. It is checked with the rules of <code>hx config check</code>;
    if it is valid, every input of the window is decided again under today's configuration and under the proposal, and the flows that
    would start, stop or change form are counted. Nothing is applied, and the run is recorded in the audit trail with your name.</p>
    <form method="post" action="/impact" enctype="multipart/form-data" id="impact-upload">
    <input type="hidden" name="_csrf" value="{{csrf}}">
    <label>Proposed configuration <input type="file" name="archive" accept=".zip,.tar" required></label>
    <label>Inputs from <input name="from" type="date" value="{{from}}" required></label>
    <label>to <input name="to" type="date" value="{{to}}" required></label> (UK days, both included; at most {{maxDays}} days)
    <button id="run-impact" type="submit">Run the impact report</button>
    </form>
    <p class="note">The same report from a shell: <code>hx config impact --config CURRENT --proposed DIR</code>.</p>
    """

    static let impactRefused = """
    <h1 id="proposal-refused">{{name}} is not a valid configuration</h1>
    <p>{{count}} error(s), as <code>hx config check</code> reports them. Nothing was compared.</p>
    <ul id="proposal-issues">{{#issues}}<li>{{.}}</li>{{/issues}}</ul>
    <p><a href="/impact">Upload another</a></p>
    """

    static let impactReport = """
    <h1>Impact of {{proposedName}}</h1>
    <p>Inputs from {{from}} to {{to}}: {{read}} read, {{decided}} decided under both configurations.
    Configuration in force <code>{{currentDigest}}</code>; proposed <code>{{proposedDigest}}</code>. Nothing has been applied.</p>
    <div class="tiles">
    <div class="tile"><span class="big" id="impact-stops">{{stops}}</span>deliveries would stop</div>
    <div class="tile"><span class="big" id="impact-starts">{{starts}}</span>would start</div>
    <div class="tile"><span class="big" id="impact-changes">{{changes}}</span>would change form</div>
    <div class="tile"><span class="big">{{flowsCurrent}} → {{flowsProposed}}</span>deliveries in the window</div>
    </div>
    {{#noChange}}<p id="impact-none">The proposal changes no flow in this window.</p>{{/noChange}}
    {{^noChange}}
    <table id="impact-lines">
    <thead><tr><th>Change</th><th>Agreement</th><th>Recipient</th><th>Reason</th><th>Deliveries</th><th>Fields (− removed, + given back)</th></tr></thead>
    <tbody>{{#lines}}<tr class="{{change}}"><td>{{change}}</td><td>{{agreement}}</td><td>{{recipient}}</td><td>{{reason}}</td><td>{{messages}}</td><td>{{fields}}</td></tr>{{/lines}}</tbody>
    </table>
    {{/noChange}}
    <h2>Agreements it touches</h2>
    {{#agreements}}
    <h3 id="agreement-{{id}}">{{id}}: {{status}}</h3>
    <table class="agreement-compare">
    <thead><tr><th></th><th>In force</th><th>Proposed</th></tr></thead>
    <tbody>{{#rows}}<tr class="{{class}}"><th>{{name}}</th><td>{{current}}</td><td>{{proposed}}</td></tr>{{/rows}}</tbody>
    </table>
    {{/agreements}}
    {{^agreements}}<p>None.</p>{{/agreements}}
    <p><a href="/impact">Run another</a></p>
    """

    static let users = """
    <h1>Users</h1>
    <p>Users are managed with <code>hx console user add</code> on the console's host; passwords are stored as bcrypt hashes.</p>
    <table id="users"><thead><tr><th>Name</th><th>Role</th></tr></thead>
    <tbody>{{#users}}<tr><td>{{name}}</td><td>{{role}}</td></tr>{{/users}}</tbody></table>
    """

    static let css = """
    body { font-family: system-ui, sans-serif; margin: 0; color: #1d1d1d; background: #f6f7f8; }
    header { display: flex; gap: 1.5rem; align-items: center; background: #005eb8; color: white; padding: 0.6rem 1rem; }
    header a { color: white; margin-right: 1rem; }
    .brand { font-weight: bold; }
    .sign-out { margin-left: auto; }
    main { padding: 1rem 1.5rem; }
    table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; background: white; }
    th, td { border: 1px solid #d8dde0; padding: 0.3rem 0.6rem; text-align: left; }
    .tiles { display: flex; gap: 1rem; flex-wrap: wrap; }
    .tile { background: white; border: 1px solid #d8dde0; padding: 0.6rem 1rem; }
    .big { font-size: 2rem; font-weight: bold; display: block; }
    .badge.up { background: #007f3b; color: white; padding: 0 0.4rem; }
    .badge.late { background: #ffb81c; padding: 0 0.4rem; }
    .badge.down { background: #d5281b; color: white; padding: 0 0.4rem; }
    .badge.stopped { background: #768692; color: white; padding: 0 0.4rem; }
    .badge.exact { background: #007f3b; color: white; padding: 0 0.4rem; }
    .badge.close { background: #ffb81c; padding: 0 0.4rem; }
    .badge.different { background: #d5281b; color: white; padding: 0 0.4rem; }
    .badge.missing { background: #768692; color: white; padding: 0 0.4rem; }
    form.resolve { margin: 0.5rem 0; }
    tr.expiring td, tr.quiet td { background: #fff4cc; }
    tr.differs td { background: #fff4cc; font-weight: bold; }
    tr.stop td { background: #fbe4e2; }
    tr.expired td, tr.lagging td, tr.broken td, tr.not-replayed td { background: #fbe4e2; }
    .error { color: #d5281b; font-weight: bold; }
    .note { color: #4c6272; }
    pre { background: white; border: 1px solid #d8dde0; padding: 0.6rem; overflow-x: auto; white-space: pre-wrap; }
    label { display: inline-block; margin: 0.2rem 0.8rem 0.2rem 0; }
    form.sign-in label { display: block; margin: 0.5rem 0; }
    """
}
