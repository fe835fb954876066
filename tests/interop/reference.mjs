#!/usr/bin/env node
// The reference JavaScript implementation (Digital Bazaar), driven over stdin/stdout JSON.
//
//   node reference.mjs sign|verify|keygen  < request.json  > response.json
//
// Reads ONE JSON object from stdin and writes ONE JSON object (one line) to stdout.
// Exit codes: 0 done (a verify that says "verified": false is still 0); 1 the library refused
// to sign (stdout {"error": ...}); 2 usage error (stdout {"error": ...}). See README.md.
import * as vc from '@digitalbazaar/vc';
import jsigs from 'jsonld-signatures';

import {
  UsageError, errorText, generateKey, importKeyPair, loadContextBundle, makeDocumentLoader,
  readStdinJson, signingSuite, types, verifyingSuites,
} from './common.mjs';

const {AssertionProofPurpose, AuthenticationProofPurpose, ControllerProofPurpose} =
  jsigs.purposes;

// Status is not the point of interop: a no-op check, so credentials with credentialStatus verify.
const checkStatus = async () => ({verified: true});

function requireObject(input, name) {
  const value = input[name];
  if(!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new UsageError(`"${name}" must be a JSON object`);
  }
  return value;
}

function optionalString(input, name) {
  const value = input[name];
  if(value !== undefined && value !== null && typeof value !== 'string') {
    throw new UsageError(`"${name}" must be a string`);
  }
  return value ?? undefined;
}

function loaderFor(input) {
  return makeDocumentLoader({
    bundle: loadContextBundle(),
    contexts: input.contexts,
    didDocuments: input.didDocuments,
  });
}

// ---------------------------------------------------------------------------------------------
// sign

async function sign(input) {
  const document = requireObject(input, 'document');
  const suiteName = input.suite ?? 'eddsa-rdfc-2022';
  const proofPurpose = optionalString(input, 'proofPurpose') ?? 'assertionMethod';
  const challenge = optionalString(input, 'challenge');
  const domain = optionalString(input, 'domain');
  const keyPair = await importKeyPair(
    requireObject(input, 'key'),
    {verificationMethod: optionalString(input, 'verificationMethod')});
  const suite = signingSuite({keyPair, suite: suiteName, created: input.created});
  const documentLoader = loaderFor(input);

  let purpose;
  if(proofPurpose === 'assertionMethod') {
    purpose = types(document).includes('VerifiableCredential') ?
      new vc.CredentialIssuancePurpose() : new AssertionProofPurpose();
  } else if(proofPurpose === 'authentication') {
    if(challenge === undefined) {
      throw new UsageError('"challenge" is required for proofPurpose "authentication"');
    }
    purpose = new AuthenticationProofPurpose({challenge, domain});
  } else {
    purpose = new ControllerProofPurpose({term: proofPurpose});
  }

  let signed;
  try {
    if(types(document).includes('VerifiableCredential') &&
      !types(document).includes('VerifiablePresentation')) {
      signed = await vc.issue({credential: document, suite, purpose, documentLoader});
    } else {
      signed = await jsigs.sign(document, {suite, purpose, documentLoader});
    }
  } catch(error) {
    return {exitCode: 1, output: {error: errorText(error)}};
  }
  return {exitCode: 0, output: {signed}};
}

// ---------------------------------------------------------------------------------------------
// verify

function proofList(document) {
  const proof = document?.proof;
  if(proof === undefined || proof === null) {
    return [];
  }
  return Array.isArray(proof) ? proof : [proof];
}

function proofKey(proof) {
  if(!proof || typeof proof !== 'object') {
    return JSON.stringify(proof);
  }
  const {'@context': _ignored, ...rest} = proof;
  return JSON.stringify(rest);
}

/**
 * One entry per proof of `document`, in document order, from the library's `results` (which
 * leave out proofs that match no accepted suite or not the expected purpose).
 */
function perProof(document, result, expectedPurpose) {
  const byKey = new Map();
  for(const r of result?.results ?? []) {
    if(r && typeof r === 'object' && r.proof) {
      byKey.set(proofKey(r.proof), r);
    }
  }
  const topError = errorText(result?.error);
  return proofList(document).map(proof => {
    const entry = {
      verified: false,
      cryptosuite: proof?.cryptosuite,
      proofPurpose: proof?.proofPurpose,
      verificationMethod: typeof proof?.verificationMethod === 'object' ?
        proof.verificationMethod?.id : proof?.verificationMethod,
    };
    const r = byKey.get(proofKey(proof));
    if(r) {
      entry.verified = r.verified === true;
      if(!entry.verified) {
        entry.error = errorText(r.error) ?? errorText(r.purposeResult?.error) ?? 'not verified';
      }
    } else if(proof?.type !== 'DataIntegrityProof' ||
      !['eddsa-rdfc-2022', 'ecdsa-rdfc-2019'].includes(proof?.cryptosuite)) {
      entry.error = `proof not checked: unsupported type/cryptosuite ${proof?.type}/` +
        `${proof?.cryptosuite}`;
    } else if(proof?.proofPurpose !== expectedPurpose) {
      entry.error = `proof not checked: proofPurpose ${proof?.proofPurpose} is not the ` +
        `expected ${expectedPurpose}`;
    } else {
      entry.error = `proof not checked${topError ? `: ${topError}` : ''}`;
    }
    return entry;
  });
}

function summarize(document, result, expectedPurpose) {
  const proofs = perProof(document, result, expectedPurpose);
  const allProofs = proofs.length > 0 && proofs.every(p => p.verified);
  const verified = result?.verified === true && allProofs;
  const out = {verified, proofs};
  if(!verified) {
    const failed = proofs.map((p, i) => (p.verified ? null : `proof ${i}: ${p.error}`))
      .filter(Boolean);
    out.error = errorText(result?.error) ??
      (proofs.length === 0 ? 'the document has no proof' : failed.join('; '));
  }
  return out;
}

async function verify(input) {
  const document = requireObject(input, 'document');
  const challenge = optionalString(input, 'challenge');
  const domain = optionalString(input, 'domain');
  const now = optionalString(input, 'now');
  if(input.checkIssuer !== undefined && typeof input.checkIssuer !== 'boolean') {
    throw new UsageError('"checkIssuer" must be a boolean');
  }
  const documentLoader = loaderFor(input);
  const suite = verifyingSuites();
  const common = {suite, documentLoader, checkStatus};
  if(now !== undefined) {
    common.now = now;
  }
  const docTypes = types(document);

  if(docTypes.includes('VerifiablePresentation')) {
    let result;
    try {
      result = await vc.verify({presentation: document, challenge, domain, ...common});
    } catch(error) {
      result = {verified: false, error};
    }
    const presentationResult = result.presentationResult ??
      {verified: false, error: result.error ?? result.results?.[0]?.error};
    const out = summarize(document, presentationResult, 'authentication');
    const vcs = document.verifiableCredential === undefined ? [] :
      (Array.isArray(document.verifiableCredential) ?
        document.verifiableCredential : [document.verifiableCredential]);
    out.credentials = vcs.map((credential, i) => summarize(
      credential, result.credentialResults?.[i] ??
        {verified: false, error: 'credential not checked'},
      'assertionMethod'));
    const credentialsOk = out.credentials.every(c => c.verified);
    if(out.verified && !credentialsOk) {
      out.verified = false;
      out.error = out.credentials.map((c, i) => (c.verified ? null : `credential ${i}: ${c.error}`))
        .filter(Boolean).join('; ');
    }
    if(out.verified && result.verified !== true) {
      out.verified = false;
      out.error = errorText(result.error) ?? 'the library did not verify the presentation';
    }
    return {exitCode: 0, output: out};
  }

  let result;
  let expectedPurpose = 'assertionMethod';
  try {
    if(docTypes.includes('VerifiableCredential')) {
      const options = {credential: document, ...common};
      if(input.checkIssuer === false) {
        // accept a proof by any controller's assertionMethod key, not only the issuer's (the
        // W3C vectors are signed by a did:key that is not their issuer)
        options.purpose = new AssertionProofPurpose();
      }
      result = await vc.verifyCredential(options);
    } else {
      const proofPurpose = optionalString(input, 'proofPurpose') ?? 'assertionMethod';
      expectedPurpose = proofPurpose;
      let purpose;
      if(proofPurpose === 'assertionMethod') {
        purpose = new AssertionProofPurpose();
      } else if(proofPurpose === 'authentication') {
        purpose = new AuthenticationProofPurpose({challenge, domain});
      } else {
        purpose = new ControllerProofPurpose({term: proofPurpose});
      }
      result = await jsigs.verify(document, {suite, purpose, documentLoader});
    }
  } catch(error) {
    if(error instanceof UsageError) {
      throw error;
    }
    result = {verified: false, error};
  }
  return {exitCode: 0, output: summarize(document, result, expectedPurpose)};
}

// ---------------------------------------------------------------------------------------------
// keygen

async function keygen(input) {
  return {exitCode: 0, output: {key: await generateKey(input.type)}};
}

// ---------------------------------------------------------------------------------------------

const COMMANDS = {sign, verify, keygen};

function write(output) {
  process.stdout.write(JSON.stringify(output) + '\n');
}

async function main() {
  const command = process.argv[2];
  if(process.argv.length !== 3 || !Object.hasOwn(COMMANDS, command)) {
    throw new UsageError(
      `usage: node reference.mjs ${Object.keys(COMMANDS).join('|')} < request.json ` +
      `(got ${JSON.stringify(process.argv.slice(2))})`);
  }
  const input = await readStdinJson();
  const {exitCode, output} = await COMMANDS[command](input);
  write(output);
  process.exitCode = exitCode;
}

main().catch(error => {
  write({error: errorText(error)});
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
