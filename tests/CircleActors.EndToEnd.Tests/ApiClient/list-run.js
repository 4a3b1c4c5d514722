// Lists a finished run through circle-client, an npm CircleCI API v2 client, pointed at
// CircleActors instead of circleci.com. Prints one JSON object for the spec to check.
// Usage: CIRCLEACTORS_URL=http://127.0.0.1:PORT CIRCLE_TOKEN=... SLUG=gh/org/repo node list-run.js
const CircleCI = require('circle-client').default;

async function main() {
  CircleCI.baseUrl = `${process.env.CIRCLEACTORS_URL}/api/v2`;
  const client = new CircleCI(process.env.CIRCLE_TOKEN, process.env.SLUG);
  const me = await client.getMe();
  const project = await client.getProject();
  const pipelines = await client.listProjectPipelines();
  const runs = [];
  for (const pipeline of pipelines.items) {
    const config = await client.getPipelineConfig(pipeline.id);
    const workflows = await client.listPipelineWorkflows(pipeline.id);
    for (const workflow of workflows.items) {
      const jobs = await client.listWorkflowJobs(workflow.id);
      for (const job of jobs.items) {
        const detail = job.job_number ? await client.getJob(job.job_number) : null;
        const artifacts = job.job_number ? await client.listJobArtifacts(job.job_number) : { items: [] };
        runs.push({
          pipeline: pipeline.number,
          trigger: pipeline.trigger.type,
          compiled: config.compiled.length > 0,
          workflow: workflow.name,
          workflowStatus: workflow.status,
          job: job.name,
          jobNumber: job.job_number,
          jobStatus: detail && detail.status,
          artifacts: artifacts.items.map((a) => a.path),
        });
      }
    }
  }
  let missing;
  try {
    await client.getWorkflow('00000000-0000-0000-0000-000000000000');
  } catch (error) {
    missing = { name: error.name, status: error.status, message: error.message };
  }
  console.log(JSON.stringify({ login: me.login, slug: project.slug, runs, missing }));
}

main().catch((error) => {
  console.error(`${error.name}: ${error.message} (${error.status})`);
  process.exit(1);
});
