/**
 * The table's runtime-jobs index as the construct declares it (functions/core/job-definitions.ts
 * names it): the tick lists runtime jobs by it, so the tick's and the page's roles may Query it.
 */
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { DUE_INDEX, RUNTIME_INDEX } from '../functions/core/job-definitions.js';

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

/**
 * Adds the due-time index over the same items (the tick Queries it for the jobs due by now). Only
 * one index may be added per deployment (CloudFormation): a stack made before it gains it in one deploy.
 */
export function addDueIndex(table: dynamodb.Table): void {
  table.addGlobalSecondaryIndex({
    indexName: DUE_INDEX.name,
    partitionKey: { name: DUE_INDEX.partitionKey, type: dynamodb.AttributeType.NUMBER },
    sortKey: { name: DUE_INDEX.sortKey, type: dynamodb.AttributeType.NUMBER },
    projectionType: dynamodb.ProjectionType.INCLUDE,
    nonKeyAttributes: [...DUE_INDEX.projected],
  });
}

/** The ARN of the runtime-jobs index (by name: the page and the CLI list by it). */
export function runtimeIndexArn(table: dynamodb.ITable): string {
  return `${table.tableArn}/index/${RUNTIME_INDEX.name}`;
}

/** The ARN of the due-time index (the tick lists the due jobs by it; the page counts by it). */
export function dueIndexArn(table: dynamodb.ITable): string {
  return `${table.tableArn}/index/${DUE_INDEX.name}`;
}
