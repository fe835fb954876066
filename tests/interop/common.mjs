// Shared pieces of the interop scripts: the offline document loader, key import, suites.
//
// Nothing here touches the network: contexts come from the project's contexts/ folder (or the
// caller's extra `contexts` map), did:key is resolved locally, did:web documents come from the
// caller's `didDocuments` map, and anything else is a clear error.
import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';

import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {driver as didKeyDriverFactory} from '@digitalbazaar/did-method-key';
import {cryptosuite as ecdsaRdfc2019} from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';

const HERE = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_CONTEXTS_DIR = resolve(HERE, '..', '..', 'contexts');

export const CRYPTOSUITES = new Map([
  ['eddsa-rdfc-2022', eddsaRdfc2022],
  ['ecdsa-rdfc-2019', ecdsaRdfc2019],
]);

// multibase (base58btc, 'z') prefixes of the multicodec public keys did:key may carry
const DID_KEY_HEADERS = new Map([
  ['z6Mk', Ed25519Multikey.from], // ed25519-pub 0xed01
  ['zDna', EcdsaMultikey.from], // p256-pub 0x8024
  ['z82L', EcdsaMultikey.from], // p384-pub 0x8124
]);

/** An error in what the caller asked for (bad command, bad input): exit code 2. */
export class UsageError extends Error {
  constructor(message) {
    super(message);
    this.name = 'UsageError';
  }
}

// ---------------------------------------------------------------------------------------------
// contexts

/**
 * Reads `<dir>/index.json`: {url: {"file", "sha256", "source"}} or {url: "file"}. Every file's
 * sha256 (hex), when given, is checked. Returns Map url -> parsed JSON document.
 */
export function loadContextBundle(dir = process.env.ONEX_CONTEXTS_DIR || DEFAULT_CONTEXTS_DIR) {
  const indexPath = join(dir, 'index.json');
  let index;
  try {
    index = JSON.parse(readFileSync(indexPath, 'utf8'));
  } catch(e) {
    throw new Error(`cannot read the context index ${indexPath}: ${e.message}`);
  }
  if(!index || typeof index !== 'object' || Array.isArray(index)) {
    throw new Error(`context index ${indexPath} must be a JSON object (url -> entry)`);
  }
  const contexts = new Map();
  for(const [url, entry] of Object.entries(index)) {
    const file = typeof entry === 'string' ? entry : entry?.file;
    if(typeof file !== 'string') {
      throw new Error(`context index ${indexPath}: entry for ${url} has no "file"`);
    }
    const bytes = readFileSync(join(dir, file));
    const expected = typeof entry === 'object' ? entry.sha256 : undefined;
    if(expected !== undefined) {
      const actual = createHash('sha256').update(bytes).digest('hex');
      if(String(expected).toLowerCase() !== actual) {
        throw new Error(
          `context ${url} (${file}): sha256 is ${actual}, the index says ${expected}`);
      }
    }
    try {
      contexts.set(url, JSON.parse(bytes.toString('utf8')));
    } catch(e) {
      throw new Error(`context ${url} (${file}) is not JSON: ${e.message}`);
    }
  }
  return contexts;
}

// ---------------------------------------------------------------------------------------------
// document loader

function didKeyDriver() {
  const driver = didKeyDriverFactory();
  for(const [header, fromMultibase] of DID_KEY_HEADERS) {
    driver.use({multibaseMultikeyHeader: header, fromMultibase});
  }
  return driver;
}

function checkObjectMap(value, name) {
  if(value === undefined || value === null) {
    return {};
  }
  if(typeof value !== 'object' || Array.isArray(value)) {
    throw new UsageError(`"${name}" must be a JSON object (url -> document)`);
  }
  return value;
}

/** A vm or DID document from the caller's did:web documents, by exact URL or DID + fragment. */
function findInDidDocuments(didDocuments, url) {
  if(Object.hasOwn(didDocuments, url)) {
    return didDocuments[url];
  }
  const hash = url.indexOf('#');
  if(hash < 0) {
    return undefined;
  }
  const did = url.slice(0, hash);
  const fragment = url.slice(hash);
  const doc = didDocuments[did];
  if(!doc) {
    return undefined;
  }
  const relations = [
    'verificationMethod', 'assertionMethod', 'authentication', 'capabilityInvocation',
    'capabilityDelegation', 'keyAgreement',
  ];
  for(const relation of relations) {
    const values = doc[relation] === undefined ? [] :
      (Array.isArray(doc[relation]) ? doc[relation] : [doc[relation]]);
    for(const vm of values) {
      if(vm && typeof vm === 'object' && (vm.id === url || vm.id === fragment)) {
        return vm;
      }
    }
  }
  throw new Error(`verification method ${url} is not in the given DID document of ${did}`);
}

/**
 * documentLoader(url) for jsonld / jsonld-signatures, fully offline.
 *
 * @param {object} options
 * @param {Map} options.bundle - url -> context document (from contexts/).
 * @param {object} [options.contexts] - extra url -> context document (caller's input).
 * @param {object} [options.didDocuments] - DID (or vm URL) -> document, for did:web etc.
 */
export function makeDocumentLoader({bundle, contexts, didDocuments} = {}) {
  const extra = checkObjectMap(contexts, 'contexts');
  const dids = checkObjectMap(didDocuments, 'didDocuments');
  const driver = didKeyDriver();
  const didKeyCache = new Map();
  return async function documentLoader(url) {
    let document;
    if(Object.hasOwn(extra, url)) {
      document = extra[url];
    } else if(bundle.has(url)) {
      document = bundle.get(url);
    } else if(url.startsWith('did:key:')) {
      document = didKeyCache.get(url);
      if(!document) {
        try {
          document = await driver.get({url});
        } catch(e) {
          throw new Error(`cannot resolve ${url}: ${e.message}`);
        }
        didKeyCache.set(url, document);
      }
    } else if(url.startsWith('did:')) {
      document = findInDidDocuments(dids, url);
      if(document === undefined) {
        throw new Error(
          `offline document loader: no DID document given for ${url} ` +
          '(pass it in "didDocuments")');
      }
    } else {
      throw new Error(
        `offline document loader: ${url} is not in contexts/index.json nor in the ` +
        'input "contexts" map; the network is never used');
    }
    return {contextUrl: null, documentUrl: url, document};
  };
}

// ---------------------------------------------------------------------------------------------
// keys

function keyModuleFor(publicKeyMultibase) {
  if(typeof publicKeyMultibase !== 'string' || !publicKeyMultibase.startsWith('z')) {
    throw new UsageError('"key.publicKeyMultibase" must be a base58btc multibase string (z...)');
  }
  for(const [header, from] of DID_KEY_HEADERS) {
    if(publicKeyMultibase.startsWith(header)) {
      return from === Ed25519Multikey.from ? Ed25519Multikey : EcdsaMultikey;
    }
  }
  throw new UsageError(
    `"key.publicKeyMultibase" ${publicKeyMultibase.slice(0, 8)}... is neither Ed25519 (z6Mk) ` +
    'nor P-256 (zDna) nor P-384 (z82L)');
}

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** Decodes base58btc (bitcoin alphabet) to bytes; throws on a character outside it. */
export function base58Decode(text) {
  let value = 0n;
  for(const ch of text) {
    const digit = BASE58.indexOf(ch);
    if(digit < 0) {
      throw new UsageError(`not base58btc: character ${JSON.stringify(ch)}`);
    }
    value = value * 58n + BigInt(digit);
  }
  const bytes = [];
  while(value > 0n) {
    bytes.unshift(Number(value % 256n));
    value /= 256n;
  }
  for(const ch of text) {
    if(ch !== '1') {
      break;
    }
    bytes.unshift(0);
  }
  return Uint8Array.from(bytes);
}

// multicodec varint headers of secret keys and the raw secret key length after them
const SECRET_KEY_FORMS = new Map([
  ['Ed25519', {header: [0x80, 0x26], length: 32, name: 'ed25519-priv (0x1300)'}],
  ['P-256', {header: [0x86, 0x26], length: 32, name: 'p256-priv (0x1306)'}],
  ['P-384', {header: [0x87, 0x26], length: 48, name: 'p384-priv (0x1307)'}],
]);

function curveOf(publicKeyMultibase) {
  if(publicKeyMultibase.startsWith('z6Mk')) {
    return 'Ed25519';
  }
  return publicKeyMultibase.startsWith('zDna') ? 'P-256' : 'P-384';
}

/**
 * Checks the secret key's multicodec header and length. ed25519-multikey would accept any
 * 2-byte header, and a 64-byte (seed || public key) secret; we demand the Multikey form: the
 * multicodec header of the curve followed by the 32-byte seed (Ed25519) or scalar (P-256).
 */
function checkSecretKeyForm(secretKeyMultibase, curve) {
  if(!secretKeyMultibase.startsWith('z')) {
    throw new UsageError('"key.secretKeyMultibase" must be a base58btc multibase string (z...)');
  }
  const bytes = base58Decode(secretKeyMultibase.slice(1));
  const form = SECRET_KEY_FORMS.get(curve);
  const [h0, h1] = form.header;
  if(bytes[0] !== h0 || bytes[1] !== h1) {
    const got = Buffer.from(bytes.subarray(0, 2)).toString('hex');
    throw new UsageError(
      `"key.secretKeyMultibase" must start with the multicodec ${form.name} header ` +
      `${Buffer.from(form.header).toString('hex')} for a ${curve} key, not ${got}`);
  }
  if(bytes.length !== 2 + form.length) {
    throw new UsageError(
      `"key.secretKeyMultibase" must hold ${form.length} key bytes after the header for ` +
      `${curve}, not ${bytes.length - 2}`);
  }
}

export function didKeyVm(publicKeyMultibase) {
  return `did:key:${publicKeyMultibase}#${publicKeyMultibase}`;
}

/**
 * Imports a Multikey key pair given as JSON: publicKeyMultibase and secretKeyMultibase (or
 * privateKeyMultibase, as in the W3C vectors). `verificationMethod` overrides key.id; the default
 * is key.id, else the did:key verification method of the public key. Checks that the secret key
 * belongs to the public key (the libraries do not).
 */
export async function importKeyPair(key, {verificationMethod} = {}) {
  if(!key || typeof key !== 'object' || Array.isArray(key)) {
    throw new UsageError('"key" must be a Multikey JSON object');
  }
  const {publicKeyMultibase} = key;
  const secretKeyMultibase = key.secretKeyMultibase ?? key.privateKeyMultibase;
  if(typeof secretKeyMultibase !== 'string') {
    throw new UsageError('"key.secretKeyMultibase" (or "privateKeyMultibase") is required');
  }
  const module = keyModuleFor(publicKeyMultibase);
  checkSecretKeyForm(secretKeyMultibase, curveOf(publicKeyMultibase));
  const id = verificationMethod ?? key.id ?? didKeyVm(publicKeyMultibase);
  const controller = key.controller ?? id.split('#')[0];
  let keyPair;
  try {
    keyPair = await module.from({
      '@context': 'https://w3id.org/security/multikey/v1',
      type: 'Multikey',
      id, controller, publicKeyMultibase, secretKeyMultibase,
    });
  } catch(e) {
    throw new UsageError(`cannot import "key": ${e.message}`);
  }
  const probe = new TextEncoder().encode('onex interop key check');
  let ok = false;
  try {
    const signature = await keyPair.signer().sign({data: probe});
    ok = await keyPair.verifier().verify({data: probe, signature});
  } catch(e) {
    throw new UsageError(`cannot use "key": ${e.message}`);
  }
  if(!ok) {
    throw new UsageError('"key.secretKeyMultibase" does not belong to "key.publicKeyMultibase"');
  }
  return keyPair;
}

/** Generates a key pair; the secret key is exported in its 32-byte (seed) Multikey form. */
export async function generateKey(type) {
  let keyPair;
  if(type === 'Ed25519') {
    keyPair = await Ed25519Multikey.generate();
  } else if(type === 'P-256' || type === 'P-384') {
    keyPair = await EcdsaMultikey.generate({curve: type});
  } else {
    throw new UsageError(`"type" must be "Ed25519", "P-256" or "P-384", not ${JSON.stringify(type)}`);
  }
  // canonicalize: Ed25519 keeps a 64-byte secret (seed || public) in memory; export the seed.
  const exported = await keyPair.export(
    {publicKey: true, secretKey: true, includeContext: false, canonicalize: true});
  const {publicKeyMultibase, secretKeyMultibase} = exported;
  const controller = `did:key:${publicKeyMultibase}`;
  return {
    type: 'Multikey',
    id: didKeyVm(publicKeyMultibase),
    controller,
    publicKeyMultibase,
    secretKeyMultibase,
  };
}

// ---------------------------------------------------------------------------------------------
// suites

export function cryptosuiteFor(name) {
  const suite = CRYPTOSUITES.get(name);
  if(!suite) {
    throw new UsageError(
      `"suite" must be one of ${[...CRYPTOSUITES.keys()].join(', ')}, not ${JSON.stringify(name)}`);
  }
  return suite;
}

export function signingSuite({keyPair, suite, created}) {
  const options = {signer: keyPair.signer(), cryptosuite: cryptosuiteFor(suite)};
  if(created !== undefined && created !== null) {
    if(typeof created !== 'string' || isNaN(new Date(created))) {
      throw new UsageError(`"created" must be an ISO dateTime string, not ${JSON.stringify(created)}`);
    }
    // a string is used as is (no reformatting), so the caller controls the exact lexical form
    options.date = created;
  }
  const dip = new DataIntegrityProof(options);
  if(typeof created === 'string') {
    dip.date = created;
  }
  return dip;
}

export function verifyingSuites() {
  return [...CRYPTOSUITES.values()].map(cryptosuite => new DataIntegrityProof({cryptosuite}));
}

export function types(document) {
  const t = document?.type;
  return t === undefined ? [] : (Array.isArray(t) ? t : [t]);
}

export async function readStdinJson() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  let input;
  try {
    input = JSON.parse(text);
  } catch(e) {
    throw new UsageError(`stdin is not one JSON object: ${e.message}`);
  }
  if(!input || typeof input !== 'object' || Array.isArray(input)) {
    throw new UsageError('stdin must hold one JSON object');
  }
  return input;
}

/** A readable message from an Error, an array of errors, or an error with nested `errors`. */
export function errorText(error) {
  if(error === undefined || error === null) {
    return undefined;
  }
  if(Array.isArray(error)) {
    return error.map(errorText).join('; ');
  }
  if(typeof error !== 'object') {
    return String(error);
  }
  let text = error.message || error.name || JSON.stringify(error);
  if(Array.isArray(error.errors) && error.errors.length > 0) {
    text += ` (${error.errors.map(errorText).join('; ')})`;
  }
  // jsonld.js errors carry the reason in `details`: the loader's own error (cause), or the
  // safe-mode event (e.g. an undefined term, with the term in event.details)
  const details = error.details;
  if(details && typeof details === 'object') {
    const event = details.event;
    if(event && typeof event === 'object') {
      text += ` [${event.code}: ${event.message}` +
        `${event.details ? ` ${JSON.stringify(event.details)}` : ''}]`;
    }
    if(details.cause) {
      text += ` (cause: ${errorText(details.cause)})`;
    }
  }
  if(error.cause) {
    text += ` (cause: ${errorText(error.cause)})`;
  }
  return text;
}
