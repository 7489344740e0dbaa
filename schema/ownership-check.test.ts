import { describe, expect, it } from 'vitest';
import { parse, print, visit } from 'graphql';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { appendFile, cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkOwnership, loadOwnershipInput, mutationOwner, runOwnershipCheck, type OwnershipCheckInput } from './ownership-check.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The real files, with the SDLs changed by `edit`. */
function doctored(edit: (sdls: Record<string, string>) => void): OwnershipCheckInput {
  const input = loadOwnershipInput(root);
  const subgraphSdls = { ...input.subgraphSdls };
  edit(subgraphSdls);
  return { matrix: input.matrix, subgraphSdls };
}

/** The SDL without one Mutation field. */
function withoutMutation(sdl: string, name: string): string {
  return print(
    visit(parse(sdl), {
      FieldDefinition: (node, _key, _parent, _path, ancestors) => {
        const owner = ancestors[ancestors.length - 1] as { name?: { value: string } } | undefined;
        return owner?.name?.value === 'Mutation' && node.name.value === name ? null : undefined;
      },
    }),
  );
}

describe('ownership check', () => {
  it('passes on the real matrix and subgraph schemas', () => {
    expect(runOwnershipCheck(root)).toEqual([]);
  });

  it('covers the five subgraphs and the six mutations of the design', () => {
    const { matrix, subgraphSdls } = loadOwnershipInput(root);
    expect(Object.keys(subgraphSdls).sort()).toEqual(['accounts', 'cases', 'invoices', 'orders', 'stock']);
    expect(matrix.systems).toEqual({
      salesforce: { subgraphs: ['accounts'] },
      odoo: { subgraphs: ['orders', 'stock', 'invoices'] },
      servicedesk: { subgraphs: ['cases'] },
    });
    expect(mutationOwner(matrix, 'updateCustomerProfile')).toBe('salesforce');
    expect(mutationOwner(matrix, 'placeOrder')).toBe('odoo');
    expect(mutationOwner(matrix, 'cancelOrder')).toBe('odoo');
    expect(mutationOwner(matrix, 'setCreditHold')).toBe('odoo');
    expect(mutationOwner(matrix, 'openCase')).toBe('servicedesk');
    expect(mutationOwner(matrix, 'addCaseComment')).toBe('servicedesk');
    expect(mutationOwner(matrix, 'noSuchMutation')).toBeUndefined();
  });

  it('fails when placeOrder moves into accounts (Salesforce does not own orders)', () => {
    const input = doctored((sdls) => {
      sdls.orders = withoutMutation(sdls.orders!, 'placeOrder');
      sdls.accounts = `${sdls.accounts}\nextend type Mutation { placeOrder(customerId: ID!): ID! }\n`;
    });
    expect(input.subgraphSdls.orders).not.toContain('placeOrder(');
    const problems = checkOwnership(input);
    expect(problems).toContain('accounts: mutation placeOrder writes Order.status, owned by odoo, but accounts sits over salesforce');
    expect(problems).toContain('accounts: mutation placeOrder writes OrderLine.quantity, owned by odoo, but accounts sits over salesforce');
    // Only the misplaced declaration is at fault, not the one in orders.
    expect(problems.every((p) => p.startsWith('accounts: mutation placeOrder'))).toBe(true);
  });

  it('fails on a mutation the matrix does not list', () => {
    const input = doctored((sdls) => {
      sdls.invoices = `${sdls.invoices}\nextend type Mutation { writeOffInvoice(id: ID!): Boolean! }\n`;
    });
    expect(checkOwnership(input)).toEqual(['invoices: mutation writeOffInvoice is not listed in the ownership matrix']);
  });

  it('fails on matrix fields and types no subgraph declares, and on listed mutations nobody declares', () => {
    const input = loadOwnershipInput(root);
    const matrix = structuredClone(input.matrix);
    matrix.types.Order!.odoo!.push('giftWrap');
    matrix.types.Voucher = { odoo: ['id'] };
    matrix.mutations.redeemVoucher = { writes: ['Voucher.*'] };
    expect(checkOwnership({ matrix, subgraphSdls: input.subgraphSdls }).sort()).toEqual([
      'matrix: field Order.giftWrap is declared by no subgraph',
      'matrix: mutation redeemVoucher is declared by no subgraph',
      'matrix: type Voucher is declared by no subgraph',
    ]);
  });

  it('fails when a mutation writes a field of another system, or one the matrix does not own', () => {
    const input = loadOwnershipInput(root);
    const matrix = structuredClone(input.matrix);
    matrix.mutations.cancelOrder!.writes.push('Order.cases', 'Order.giftWrap');
    expect(checkOwnership({ matrix, subgraphSdls: input.subgraphSdls }).sort()).toEqual([
      'matrix: mutation cancelOrder writes Order.giftWrap, which has no owner in the matrix',
      'orders: mutation cancelOrder writes Order.cases, owned by servicedesk, but orders sits over odoo',
    ]);
  });

  it('fails on a field owned twice and on a mutation in a subgraph over no system', () => {
    const input = loadOwnershipInput(root);
    const matrix = structuredClone(input.matrix);
    matrix.types.Invoice!.salesforce = ['number'];
    const subgraphSdls = { ...input.subgraphSdls, pricing: 'type Mutation { cancelOrder(id: ID!): ID! }' };
    expect(checkOwnership({ matrix, subgraphSdls }).sort()).toEqual([
      'matrix: Invoice.number is owned twice (odoo and salesforce)',
      'pricing: declares mutation cancelOrder but sits over no system in the matrix',
    ]);
  });

  it('exits 1 with the problems when run directly on a failing tree, 0 on the real one', async () => {
    const run = promisify(execFile);
    const script = join(root, 'schema', 'ownership-check.ts');
    const ok = await run(process.execPath, ['--import', 'tsx', script], { cwd: root });
    expect(ok.stdout).toContain('ownership check passed');

    // A copy of the tree with placeOrder also declared in accounts.
    const tree = await mkdtemp(join(tmpdir(), 'ownership-'));
    try {
      await mkdir(join(tree, 'schema'));
      await cp(join(root, 'schema', 'ownership.json'), join(tree, 'schema', 'ownership.json'));
      for (const name of ['accounts', 'orders', 'stock', 'invoices', 'cases']) {
        await mkdir(join(tree, 'subgraphs', name), { recursive: true });
        await cp(join(root, 'subgraphs', name, 'schema.graphql'), join(tree, 'subgraphs', name, 'schema.graphql'));
      }
      await appendFile(join(tree, 'subgraphs', 'accounts', 'schema.graphql'), '\nextend type Mutation { placeOrder(customerId: ID!): ID! }\n');
      const failed = await run(process.execPath, ['--import', 'tsx', script, tree], { cwd: root }).then(
        () => ({ code: 0, stderr: '' }),
        (err: { code: number; stderr: string }) => err,
      );
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain('ownership check failed');
      expect(failed.stderr).toContain('accounts: mutation placeOrder writes Order.status, owned by odoo');
    } finally {
      await rm(tree, { recursive: true, force: true });
    }
  }, 20_000);
});
