// The web UI's pages, drawn from /hubs/events: each page subscribes to what it shows, draws the
// snapshot, then redraws on each change. Log lines are appended, never redrawn.
"use strict";

const main = document.querySelector("main");
const page = main.dataset;
const finalStatuses = ["success", "failed", "canceled", "infrastructure_fail", "timedout", "unauthorized", "error", "errored"];
const views = new Map();
const watchers = new Map();

const connection = new signalR.HubConnectionBuilder().withUrl("/hubs/events").withAutomaticReconnect().build();
const onView = message => {
  const key = message.kind + ":" + message.id;
  views.set(key, message.view);
  watchers.get(key)?.(message.view);
};
connection.on("snapshot", onView);
connection.on("changed", onView);
connection.on("log", message => appendLog(message));
connection.onreconnected(async () => {
  // A new connection gets new snapshots: output is drawn again from them.
  document.querySelectorAll(".log").forEach(log => fill(log));
  for (const key of watchers.keys()) {
    const [kind, ...id] = key.split(":");
    await connection.invoke("Subscribe", kind, id.join(":"));
  }
});

async function watch(kind, id, draw) {
  const key = kind + ":" + id;
  if (watchers.has(key)) return;
  watchers.set(key, draw);
  await connection.invoke("Subscribe", kind, id);
}

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  return node;
}

function seconds(from, to) {
  if (!from) return null;
  return ((to ? new Date(to) : new Date()) - new Date(from)) / 1000;
}

function duration(value) {
  if (value === null || value === undefined) return "–";
  if (value < 60) return value.toFixed(value < 10 ? 1 : 0) + "s";
  const minutes = Math.floor(value / 60);
  return minutes < 60 ? `${minutes}m ${Math.round(value % 60)}s` : `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

// Like replaceChildren, leaving out the parts a condition left null.
function fill(node, ...children) {
  node.replaceChildren(...children.flat().filter(child => child !== null && child !== undefined));
}

const badge = status => el("span", { class: "status status-" + status, "data-testid": "status" }, status.replace("_", " "));

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json" }, body: JSON.stringify(body ?? {}),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) alert(answer.message ?? `${response.status} ${response.statusText}`);
  return answer;
}

// ---- Dashboard --------------------------------------------------------------------------------

function dashboard() {
  const projects = JSON.parse(page.projects);
  const projectFilter = el("select", { "aria-label": "Project", onchange: draw }, el("option", { value: "" }, "All projects"),
    projects.map(p => el("option", { value: p }, p)));
  const branchFilter = el("select", { "aria-label": "Branch", onchange: draw }, el("option", { value: "" }, "All branches"));
  const stats = el("tbody");
  const rows = el("tbody");
  fill(main,
    el("h1", {}, "Dashboard"),
    el("div", { class: "filters" }, projectFilter, branchFilter),
    el("h2", {}, "Projects"),
    el("table", { class: "stats" }, el("thead", {}, el("tr", {}, ["Project", "Median build", "Median queue", "Last build", "Success rate", "Parallelism"].map(h => el("th", {}, h)))), stats),
    el("h2", {}, "Recent pipelines"),
    el("table", { class: "pipelines" }, el("thead", {}, el("tr", {}, ["Project", "Pipeline", "Status", "Branch", "Commit", "Trigger", "Duration"].map(h => el("th", {}, h)))), rows));
  if (projects.length === 0) main.append(el("p", { class: "empty" }, "No pipelines yet: add a project and push, or trigger one with the API."));

  function draw() {
    const shown = projects.filter(p => !projectFilter.value || p === projectFilter.value).map(p => views.get("project:" + p)).filter(v => v);
    const branches = new Set(shown.flatMap(v => v.pipelines.map(p => p.pipeline.vcs.branch).filter(b => b)));
    const chosen = branchFilter.value;
    fill(branchFilter, el("option", { value: "" }, "All branches"), [...branches].sort().map(b => el("option", { value: b, selected: b === chosen }, b)));
    fill(stats, ...shown.map(v => el("tr", {},
      el("td", {}, el("a", { href: "/insights/" + v.slug, title: "Insights" }, v.slug)), el("td", {}, duration(v.stats.median_build_seconds)), el("td", {}, duration(v.stats.median_queue_seconds)),
      el("td", {}, duration(v.stats.last_build_seconds)),
      el("td", {}, v.stats.success_rate === null ? "–" : Math.round(v.stats.success_rate * 100) + "%"), el("td", {}, v.stats.parallelism))));
    const pipelines = shown.flatMap(v => v.pipelines).filter(p => !chosen || p.pipeline.vcs.branch === chosen)
      .sort((a, b) => new Date(b.pipeline.created_at) - new Date(a.pipeline.created_at));
    fill(rows, ...pipelines.map(({ pipeline, workflows }) => {
      const status = workflows.length === 0 ? pipeline.state : overall(workflows.map(w => w.status));
      const started = workflows.length ? workflows.map(w => w.created_at).sort()[0] : null;
      const stopped = workflows.every(w => w.stopped_at) ? workflows.map(w => w.stopped_at).sort().at(-1) : null;
      return el("tr", { "data-testid": "pipeline-row", "data-pipeline": pipeline.id },
        el("td", {}, pipeline.project_slug), el("td", {}, el("a", { href: "/pipelines/" + pipeline.id }, "#" + pipeline.number)),
        el("td", {}, badge(status)), el("td", {}, pipeline.vcs.branch ?? pipeline.vcs.tag ?? ""),
        el("td", { class: "commit" }, (pipeline.vcs.revision ?? "").slice(0, 7)), el("td", {}, pipeline.trigger.type),
        el("td", {}, duration(seconds(started, stopped))));
    }));
  }
  projects.forEach(p => watch("project", p, draw));
}

function overall(statuses) {
  for (const status of ["failed", "error", "canceled", "on_hold", "running", "not_run"]) if (statuses.includes(status)) return status;
  return statuses[0] ?? "pending";
}

// ---- Pipeline and workflow graph --------------------------------------------------------------

function pipelinePage() {
  const header = el("div", { class: "summary" });
  const workflows = el("div");
  fill(main, header, workflows);
  watch("pipeline", page.id, view => {
    if (!view) { fill(header, el("p", {}, "This pipeline is not known (yet).")); return; }
    const p = view.pipeline;
    fill(header, el("h1", {}, `${p.project_slug} #${p.number}`),
      el("p", {}, badge(p.state), ` ${p.vcs.branch ?? p.vcs.tag ?? ""} · ${(p.vcs.revision ?? "").slice(0, 7)} · ${p.trigger.type} by ${p.trigger.actor.login}`),
      p.errors.length ? el("ul", { class: "errors" }, p.errors.map(e => el("li", {}, `${e.type}: ${e.message}`))) : null);
    for (const w of view.workflows) {
      if (!workflows.querySelector(`[data-workflow="${w.id}"]`)) {
        const section = el("section", { class: "workflow", "data-workflow": w.id });
        workflows.append(section);
        watch("workflow", w.id, v => drawWorkflow(section, v));
      }
    }
  });
}

function drawWorkflow(section, view) {
  if (!view) return;
  const w = view.workflow;
  const finished = finalStatuses.includes(w.status);
  const actions = el("div", { class: "actions" },
    finished ? null : el("button", { "data-testid": "cancel-workflow", onclick: () => post(`/api/v2/workflow/${w.id}/cancel`) }, "Cancel workflow"),
    finished ? el("button", { "data-testid": "rerun", onclick: () => rerun(w.id, false) }, "Rerun") : null,
    finished && w.status === "failed" ? el("button", { "data-testid": "rerun-failed", onclick: () => rerun(w.id, true) }, "Rerun from failed") : null,
    view.jobs.filter(j => j.type === "approval" && j.status === "on_hold").map(j =>
      el("button", { class: "approve", "data-testid": "approve", onclick: () => post(`/api/v2/workflow/${w.id}/approve/${j.id}`) }, `Approve ${j.name}`)));
  fill(section, el("h2", {}, w.name, " ", badge(w.status), " ", el("small", {}, duration(seconds(w.created_at, w.stopped_at)))),
    actions, graph(view.jobs));
}

async function rerun(workflowId, fromFailed) {
  const answer = await post(`/api/v2/workflow/${workflowId}/rerun`, fromFailed ? { from_failed: true } : {});
  if (answer.workflow_id) location.reload();
}

// Jobs laid out in columns by their longest chain of requirements, edges from each requirement.
function graph(jobs) {
  const byId = new Map(jobs.map(j => [j.id, j]));
  const depth = new Map();
  const depthOf = job => {
    if (!depth.has(job.id)) {
      depth.set(job.id, 0);
      depth.set(job.id, Math.max(0, ...job.dependencies.filter(d => byId.has(d)).map(d => depthOf(byId.get(d)) + 1)));
    }
    return depth.get(job.id);
  };
  const columns = [];
  for (const job of jobs) (columns[depthOf(job)] ??= []).push(job);
  const width = 190, height = 48, gapX = 60, gapY = 18;
  const position = new Map();
  columns.forEach((column, x) => column.forEach((job, y) => position.set(job.id, { x: 10 + x * (width + gapX), y: 10 + y * (height + gapY) })));
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  const svgWidth = 20 + columns.length * (width + gapX) - gapX, svgHeight = 20 + Math.max(1, ...columns.map(c => c.length)) * (height + gapY) - gapY;
  svg.setAttribute("viewBox", `0 0 ${svgWidth} ${svgHeight}`);
  svg.setAttribute("width", svgWidth);
  svg.setAttribute("class", "graph");
  const make = (tag, attributes, text) => {
    const node = document.createElementNS(ns, tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    if (text !== undefined) node.textContent = text;
    return node;
  };
  for (const job of jobs)
    for (const dependency of job.dependencies.filter(d => position.has(d))) {
      const from = position.get(dependency), to = position.get(job.id);
      const x1 = from.x + width, y1 = from.y + height / 2, x2 = to.x, y2 = to.y + height / 2;
      svg.append(make("path", { d: `M${x1},${y1} C${x1 + gapX / 2},${y1} ${x2 - gapX / 2},${y2} ${x2},${y2}`, class: "edge" }));
    }
  for (const job of jobs) {
    const { x, y } = position.get(job.id);
    const node = make("g", { class: "node status-" + job.status, "data-testid": "job-node", "data-job": job.name, "data-status": job.status });
    node.append(make("rect", { x, y, width, height, rx: 6 }));
    node.append(make("text", { x: x + 10, y: y + 19, class: "name" }, job.name));
    node.append(make("text", { x: x + 10, y: y + 37, class: "detail" },
      `${job.status.replace("_", " ")} · ${job.type === "approval" ? "approval" : duration(seconds(job.started_at, job.stopped_at))}`));
    if (job.job_number !== null && job.type !== "approval") {
      const link = make("a", { href: "/jobs/" + job.id });
      link.append(node);
      svg.append(link);
    } else svg.append(node);
  }
  return svg;
}

// ---- Job and its live log ---------------------------------------------------------------------

const logs = new Map();

function jobPage() {
  const header = el("div", { class: "summary" });
  const steps = el("div", { class: "steps" });
  const artifacts = el("section", { class: "artifacts", "data-testid": "artifacts" });
  const tests = el("section", { class: "tests", "data-testid": "tests" });
  fill(main, header, steps, artifacts, tests);
  main.steps = steps;
  let pending = null;
  watch("job", page.id, view => {
    if (!view) { fill(header, el("p", {}, "This job has not been scheduled yet.")); return; }
    // Artifacts and test results are stored by steps: each change of the job (a step ending) reads them again, at most once a second.
    pending ??= setTimeout(() => { pending = null; drawStored(view, artifacts, tests); }, 1000);
    const finished = finalStatuses.includes(view.status);
    fill(header,
      el("h1", {}, `${view.name} `, el("small", {}, "#" + view.number), " ", badge(view.status)),
      el("p", {}, el("a", { href: "/pipelines/" + view.pipeline_id }, `${view.project_slug} · ${view.workflow_name}`)),
      el("dl", { class: "timing" },
        el("dt", {}, "Queued"), el("dd", {}, duration(seconds(view.queued_at, view.started_at ?? view.stopped_at))),
        el("dt", {}, "Ran"), el("dd", { "data-testid": "duration" }, duration(seconds(view.started_at, view.stopped_at))),
        el("dt", {}, "Parallelism"), el("dd", {}, view.parallelism)),
      finished ? null : el("button", { "data-testid": "cancel-job", onclick: () => post(`/api/v2/project/${view.project_slug}/job/${view.number}/cancel`) }, "Cancel job"));
    for (const task of view.tasks)
      for (const step of task.steps) {
        const log = stepLog(task.index, task.attempt, step.index, view.parallelism > 1);
        fill(log.title, badge(step.status), " ", step.name, " ",
          el("small", {}, duration(seconds(step.started_at, step.stopped_at)) + (step.exit_code !== null ? ` · exit ${step.exit_code}` : "")));
      }
  });
}

async function drawStored(view, artifacts, tests) {
  const get = async path => {
    const response = await fetch(`/api/v2/project/${view.project_slug}/${view.number}/${path}`, { credentials: "same-origin" });
    return response.ok ? (await response.json()).items : [];
  };
  const [files, cases] = await Promise.all([get("artifacts"), get("tests")]);
  fill(artifacts, el("h2", {}, "Artifacts"), files.length === 0 ? el("p", { class: "empty" }, "No artifacts.") :
    el("ul", {}, files.map(a => el("li", { "data-testid": "artifact" }, el("a", { href: a.url }, a.path),
      view.parallelism > 1 ? el("small", {}, ` · parallel run ${a.node_index}`) : null))));
  // Failed tests first, then skipped, then passed; in each, the order the reports gave.
  const rank = result => ({ failure: 0, skipped: 1, success: 2 })[result] ?? 0;
  const ordered = cases.map((c, i) => [c, i]).sort(([a, i], [b, j]) => rank(a.result) - rank(b.result) || i - j).map(([c]) => c);
  const failed = cases.filter(c => c.result === "failure").length;
  fill(tests, el("h2", {}, "Tests"), cases.length === 0 ? el("p", { class: "empty" }, "No test results.") : [
    el("p", { "data-testid": "test-summary" }, `${cases.length} tests, ${failed} failed`),
    el("table", {}, el("thead", {}, el("tr", {}, ["Result", "Test", "Class", "File", "Time"].map(h => el("th", {}, h)))),
      el("tbody", {}, ordered.map(c => el("tr", { class: "test test-" + c.result, "data-testid": "test", "data-result": c.result },
        el("td", {}, badge(c.result === "failure" ? "failed" : c.result)), el("td", { title: c.message || null }, c.name),
        el("td", {}, c.classname), el("td", {}, c.file), el("td", {}, duration(c.run_time))))))]);
}

function stepLog(task, attempt, step, parallel) {
  const key = `${task}/${attempt}/${step}`;
  if (!logs.has(key)) {
    const title = el("summary", {}, `step ${step}`);
    const lines = el("div", { class: "log", "data-testid": "log", "data-step": step });
    const details = el("details", { class: "step", open: true, "data-task": task, "data-attempt": attempt, "data-step": step },
      title, parallel ? el("span", { class: "task" }, `parallel run ${task}, attempt ${attempt}`) : null, lines);
    // Steps in order: by task, attempt, then step.
    const after = [...main.steps.children].find(d =>
      +d.dataset.task > task || (+d.dataset.task === task && (+d.dataset.attempt > attempt || (+d.dataset.attempt === attempt && +d.dataset.step > step))));
    main.steps.insertBefore(details, after ?? null);
    logs.set(key, { title, lines });
  }
  return logs.get(key);
}

function appendLog(message) {
  if (page.page !== "job") return;
  const { lines } = stepLog(message.task, message.attempt, message.step, false);
  lines.querySelector(".partial")?.remove();
  if (message.skipped > 0) lines.append(el("div", { class: "skipped", "data-testid": "skipped" }, `${message.skipped} lines skipped`));
  message.lines.forEach((text, i) => lines.append(line(message.first_line + i, text, false)));
  if (message.partial) lines.append(line(message.first_line + message.lines.length, message.partial, true));
}

function line(number, text, partial) {
  return el("div", { class: partial ? "line partial" : "line" }, el("span", { class: "number" }, number), el("span", { class: "text" }, ansi(text)));
}

// SGR colour and weight codes become classes; everything else in an escape sequence is dropped.
function ansi(text) {
  const parts = [];
  let foreground = null, bold = false, last = 0;
  const flush = until => {
    if (until <= last) return;
    const span = el("span", { class: [foreground !== null ? "fg-" + foreground : "", bold ? "bold" : ""].join(" ").trim() || null }, text.slice(last, until));
    parts.push(span);
  };
  for (const match of text.matchAll(/\x1b\[([0-9;]*)([A-Za-z])/g)) {
    flush(match.index);
    last = match.index + match[0].length;
    if (match[2] !== "m") continue;
    for (const code of (match[1] || "0").split(";").map(Number)) {
      if (code === 0) { foreground = null; bold = false; }
      else if (code === 1) bold = true;
      else if (code === 22) bold = false;
      else if (code === 39) foreground = null;
      else if ((code >= 30 && code <= 37) || (code >= 90 && code <= 97)) foreground = code;
    }
  }
  flush(text.length);
  return parts;
}

// ---- Insights ---------------------------------------------------------------------------------

function insightsPage() {
  const slug = page.id;
  let pending = null;
  const load = async () => {
    const get = async path => (await (await fetch(`/api/v2/insights/${slug}${path}`, { credentials: "same-origin" })).json()).items;
    const workflows = await get("/workflows");
    const sections = [];
    for (const workflow of workflows) {
      const name = encodeURIComponent(workflow.name);
      const [runs, jobs] = await Promise.all([get(`/workflows/${name}`), get(`/workflows/${name}/jobs`)]);
      sections.push(el("section", { class: "insight", "data-testid": "insight", "data-workflow": workflow.name },
        el("h2", {}, workflow.name), figures(workflow.metrics), trend(runs.slice().reverse()),
        el("table", {}, el("thead", {}, el("tr", {}, ["Job", "Runs", "Success rate", "Median", "P95", "Max"].map(h => el("th", {}, h)))),
          el("tbody", {}, jobs.map(job => el("tr", {}, el("td", {}, job.name), el("td", {}, job.metrics.total_runs),
            el("td", {}, percent(job.metrics.success_rate)), el("td", {}, duration(job.metrics.duration_metrics.median)),
            el("td", {}, duration(job.metrics.duration_metrics.p95)), el("td", {}, duration(job.metrics.duration_metrics.max))))))));
    }
    fill(main, el("h1", {}, `Insights · ${slug}`), sections.length ? sections : el("p", { class: "empty" }, "No finished workflows yet."));
  };
  // Every change of the project (a workflow finishing) reloads the figures, at most once a second.
  watch("project", slug, () => { pending ??= setTimeout(() => { pending = null; load(); }, 1000); });
  load();
}

const percent = rate => Math.round(rate * 100) + "%";

function figures(metrics) {
  return el("dl", { class: "timing" },
    el("dt", {}, "Success rate"), el("dd", { "data-testid": "success-rate" }, percent(metrics.success_rate)),
    el("dt", {}, "Runs"), el("dd", { "data-testid": "runs" }, `${metrics.total_runs} (${metrics.failed_runs} failed)`),
    el("dt", {}, "Duration"), el("dd", {}, `median ${duration(metrics.duration_metrics.median)}, p95 ${duration(metrics.duration_metrics.p95)}`),
    el("dt", {}, "Throughput"), el("dd", {}, metrics.throughput.toFixed(1) + " runs a day"));
}

// Each run a bar (height: duration, colour: outcome), oldest first; the line is the success rate so far.
function trend(runs) {
  const ns = "http://www.w3.org/2000/svg";
  const width = 640, height = 160, bar = Math.max(2, Math.min(24, (width - 20) / Math.max(1, runs.length) - 2));
  const longest = Math.max(1, ...runs.map(r => r.duration));
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("class", "trend");
  svg.setAttribute("width", width);
  let succeeded = 0;
  const points = [];
  runs.forEach((run, i) => {
    const x = 10 + i * (bar + 2), h = Math.max(2, (run.duration / longest) * (height - 30));
    const rect = document.createElementNS(ns, "rect");
    for (const [name, value] of Object.entries({ x, y: height - 10 - h, width: bar, height: h, class: "bar status-" + run.status })) rect.setAttribute(name, value);
    const title = document.createElementNS(ns, "title");
    title.textContent = `${run.status}, ${duration(run.duration)}, ${new Date(run.created_at).toLocaleString()}`;
    rect.append(title);
    svg.append(rect);
    if (run.status === "success") succeeded++;
    points.push(`${x + bar / 2},${10 + (1 - succeeded / (i + 1)) * (height - 30)}`);
  });
  const line = document.createElementNS(ns, "polyline");
  line.setAttribute("points", points.join(" "));
  line.setAttribute("class", "rate");
  svg.append(line);
  return svg;
}

connection.start().then(() => {
  if (page.page === "dashboard") dashboard();
  else if (page.page === "pipeline") pipelinePage();
  else if (page.page === "job") jobPage();
  else if (page.page === "insights") insightsPage();
}).catch(error => fill(main, el("p", { class: "error" }, "Live updates are unavailable: " + error)));
