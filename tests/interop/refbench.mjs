#!/usr/bin/env node
// Times the reference implementation (eddsa-rdfc-2022) in one process, for the benchmarks.
//
//   node refbench.mjs < request.json > response.json
//
// request:  {"documents": [{"name": str, "document": {...}}, ...], "key": <Multikey key pair>,
//            "iterations": N, "created": "<ISO dateTime>", "warmup": W (optional),
//            "contexts": {...}, "didDocuments": {...} (optional, as for reference.mjs)}
// response: {"results": [{"name", "sign_ms_median", "verify_ms_median", "nquads",
//            "iterations"}], "node": "<version>"}
// Each document is signed and verified `warmup` times (default max(5, N/10)) before N timed
// runs of each; the times are of the whole library call (vc.issue / vc.verifyCredential for
// credentials, jsonld-signatures sign / verify otherwise), contexts already in memory. Verify
// checks the proof against the key's controller document (assertionMethod) but not that the
// issuer is that controller, so any key can be used.
import {performance} from 'node:perf_hooks';

import * as vc from '@digitalbazaar/vc';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import jsigs from 'jsonld-signatures';

import {
  UsageError, errorText, importKeyPair, loadContextBundle, makeDocumentLoader, readStdinJson,
  signingSuite, types, verifyingSuites,
} from './common.mjs';

const {AssertionProofPurpose} = jsigs.purposes;
const checkStatus = async () => ({verified: true});

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function positiveInteger(value, name) {
  if(!Number.isInteger(value) || value < 1) {
    throw new UsageError(`"${name}" must be a positive integer, not ${JSON.stringify(value)}`);
  }
  return value;
}

async function main() {
  if(process.argv.length !== 2) {
    throw new UsageError('usage: node refbench.mjs < request.json (no arguments)');
  }
  const input = await readStdinJson();
  const iterations = positiveInteger(input.iterations, 'iterations');
  const warmup = input.warmup === undefined ?
    Math.max(5, Math.floor(iterations / 10)) : positiveInteger(input.warmup, 'warmup');
  if(!Array.isArray(input.documents) || input.documents.length === 0) {
    throw new UsageError('"documents" must be a non-empty array of {"name", "document"}');
  }
  if(typeof input.created !== 'string') {
    throw new UsageError('"created" must be an ISO dateTime string');
  }
  const keyPair = await importKeyPair(input.key);
  const documentLoader = makeDocumentLoader({
    bundle: loadContextBundle(), contexts: input.contexts, didDocuments: input.didDocuments,
  });
  const verifySuites = verifyingSuites();

  const results = [];
  for(const [i, entry] of input.documents.entries()) {
    const {name, document} = entry ?? {};
    if(typeof name !== 'string' || !document || typeof document !== 'object') {
      throw new UsageError(`"documents[${i}]" must be {"name": string, "document": object}`);
    }
    const isCredential = types(document).includes('VerifiableCredential');
    const signOnce = async () => {
      // a fresh copy each time: vc.issue may add to the credential (issuanceDate on VC 1.1)
      const copy = structuredClone(document);
      const suite = signingSuite({keyPair, suite: 'eddsa-rdfc-2022', created: input.created});
      return isCredential ?
        vc.issue({credential: copy, suite, documentLoader}) :
        jsigs.sign(copy, {suite, purpose: new AssertionProofPurpose(), documentLoader});
    };
    const verifyOnce = async signed => {
      const result = isCredential ?
        await vc.verifyCredential({
          credential: signed, suite: verifySuites, documentLoader, checkStatus,
          // the key need not be the issuer's: check the proof, not who the issuer is
          purpose: new AssertionProofPurpose(),
        }) :
        await jsigs.verify(signed, {
          suite: verifySuites, purpose: new AssertionProofPurpose(), documentLoader,
        });
      if(!result.verified) {
        throw new Error(`${name}: the reference implementation did not verify its own ` +
          `signature: ${errorText(result.error)}`);
      }
    };

    let signed;
    try {
      signed = await signOnce();
    } catch(error) {
      throw new Error(`${name}: cannot sign: ${errorText(error)}`);
    }
    for(let w = 0; w < warmup; ++w) {
      await verifyOnce(await signOnce());
    }
    const signTimes = [];
    for(let n = 0; n < iterations; ++n) {
      const t0 = performance.now();
      signed = await signOnce();
      signTimes.push(performance.now() - t0);
    }
    const verifyTimes = [];
    for(let n = 0; n < iterations; ++n) {
      const t0 = performance.now();
      await verifyOnce(signed);
      verifyTimes.push(performance.now() - t0);
    }
    const canonical = await eddsaRdfc2022.canonize(document, {documentLoader});
    const nquads = canonical.split('\n').filter(line => line.length > 0).length;
    results.push({
      name,
      sign_ms_median: median(signTimes),
      verify_ms_median: median(verifyTimes),
      nquads,
      iterations,
    });
  }
  process.stdout.write(JSON.stringify({results, node: process.version}) + '\n');
}

main().catch(error => {
  process.stdout.write(JSON.stringify({error: errorText(error)}) + '\n');
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
