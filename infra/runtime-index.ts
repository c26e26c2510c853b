/**
 * The table's runtime-jobs index as the construct declares it (functions/core/job-definitions.ts
 * names it): the tick lists runtime jobs by it, so the tick's and the page's roles may Query it.
 */
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { RUNTIME_INDEX } from '../functions/core/job-definitions.js';

/** Adds the sparse index over runtime jobs' lock items; only the definition's attributes are projected, so a lease renewal never writes to it. */
export function addRuntimeIndex(table: dynamodb.Table): void {
  table.addGlobalSecondaryIndex({
    indexName: RUNTIME_INDEX.name,
    partitionKey: { name: RUNTIME_INDEX.partitionKey, type: dynamodb.AttributeType.NUMBER },
    sortKey: { name: RUNTIME_INDEX.sortKey, type: dynamodb.AttributeType.STRING },
    projectionType: dynamodb.ProjectionType.INCLUDE,
    nonKeyAttributes: [...RUNTIME_INDEX.projected],
  });
}

/** The ARN of the runtime-jobs index: the one index a role may Query. */
export function runtimeIndexArn(table: dynamodb.ITable): string {
  return `${table.tableArn}/index/${RUNTIME_INDEX.name}`;
}
