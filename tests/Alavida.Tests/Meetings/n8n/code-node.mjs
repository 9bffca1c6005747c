// Runs the Code node of an n8n workflow as n8n's "Run Once for All Items" mode does: its JavaScript as the body of a
// function of $input, over the items given. Prints the items it returns as JSON. Usage: node code-node.mjs WORKFLOW NODE ITEMS
import { readFileSync } from 'node:fs';

const [workflowPath, nodeName, itemsPath] = process.argv.slice(2);
const workflow = JSON.parse(readFileSync(workflowPath, 'utf8'));
const node = workflow.nodes.find((n) => n.name === nodeName && n.type === 'n8n-nodes-base.code');
if (!node) {
  console.error(`No Code node named '${nodeName}' in ${workflowPath}`);
  process.exit(2);
}

const items = JSON.parse(readFileSync(itemsPath, 'utf8')).map((json) => ({ json }));
const $input = { all: () => items, first: () => items[0], last: () => items[items.length - 1] };
const run = new Function('$input', node.parameters.jsCode);
process.stdout.write(JSON.stringify(run($input)));
