"""``onex keygen``, ``onex sign`` and ``onex verify``: in process (click's runner) and as a process.

Exit codes: 0 ok; 1 an input was bad or did not verify; 2 a usage error. Every error is one
clear line, never a traceback. W3C vectors are read in place from ``../shared/w3c-vectors``.
"""

from __future__ import annotations

import copy
import json
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from service.cli import main
from tests.paths import DATA, vectors_dir
from vc import problems
from vc.credential import issuer_id
from vc.did.key import did_key
from vc.keys import KeyPair

ONEX = Path(sys.executable).parent / "onex"
SAMPLES = ["x-certificate.json", "diploma.json"]
SIGNING = [
    ("ed25519", "eddsa-rdfc-2022"),
    ("ed25519", "eddsa-jcs-2022"),
    ("p-256", "ecdsa-rdfc-2019"),
]
V2 = "https://www.w3.org/ns/credentials/v2"
UNKNOWN_CONTEXT = "https://example.org/contexts/not-bundled/v1"


# --- helpers ----------------------------------------------------------------------------------


def run(*args: str | Path, stdin: str | None = None) -> Result:
    """Invoke ``onex`` in process; a crash (not a clean exit) fails the test with its traceback."""
    result = CliRunner().invoke(main, [str(arg) for arg in args], input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert "Traceback" not in result.output
    return result


def write_json(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    return path


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def keygen(tmp_path: Path, key_type: str = "ed25519", name: str | None = None) -> Path:
    path = tmp_path / (name or f"{key_type}-key.json")
    result = run("keygen", "--type", key_type, "--out", path)
    assert result.exit_code == 0, result.output
    return path


def credential_for(key_path: Path, sample: str, tmp_path: Path) -> Path:
    """The sample credential with ``issuer.id`` set to the key's did:key."""
    document = read_json(DATA / sample)
    document["issuer"]["id"] = read_json(key_path)["controller"]
    return write_json(tmp_path / f"unsigned-{sample}", document)


def sign_ok(*args: str | Path, stdin: str | None = None) -> dict[str, Any]:
    result = run("sign", *args, stdin=stdin)
    assert result.exit_code == 0, result.output
    signed: dict[str, Any] = json.loads(result.stdout)
    return signed


def verify_lines(result: Result) -> list[dict[str, Any]]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def the_error(result: Result) -> str:
    """The one line of stderr a failed command printed (click's usage hints aside)."""
    lines = [line for line in result.stderr.splitlines() if line.lower().startswith("error")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def failed_details(line: dict[str, Any], check: str | None = None) -> list[str]:
    return [
        problem["detail"]
        for entry in line["checks"]
        if entry["status"] != "passed" and (check is None or entry["name"] == check)
        for problem in entry["problems"]
    ]


@pytest.fixture(scope="module")
def ed_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return keygen(tmp_path_factory.mktemp("keys"), "ed25519")


@pytest.fixture(scope="module")
def signed_x(ed_key: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The X certificate signed with eddsa-rdfc-2022, issuer = the signer."""
    folder = tmp_path_factory.mktemp("signed")
    return sign_ok("--key", ed_key, credential_for(ed_key, "x-certificate.json", folder))


# --- keygen -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key_type", "algorithm", "prefix"),
    [("ed25519", "Ed25519", "z6Mk"), ("p-256", "P-256", "zDn"), ("P-384", "P-384", "z82")],
)
def test_keygen_prints_a_multikey_pair_that_round_trips(
    key_type: str, algorithm: str, prefix: str
) -> None:
    result = run("keygen", "--type", key_type)
    assert result.exit_code == 0, result.output
    pair_json = json.loads(result.stdout)
    pair = KeyPair.from_multibase(pair_json["secretKeyMultibase"])
    assert pair.algorithm == algorithm
    assert pair.public.multibase == pair_json["publicKeyMultibase"]
    assert pair_json["publicKeyMultibase"].startswith(prefix)
    assert pair.secret_multibase == pair_json["secretKeyMultibase"]
    assert pair_json["type"] == "Multikey"
    assert pair_json["controller"] == did_key(pair.public)
    assert pair_json["id"] == f"{pair_json['controller']}#{pair_json['publicKeyMultibase']}"


def test_keygen_gives_a_new_key_each_time() -> None:
    first, second = (json.loads(run("keygen").stdout) for _ in range(2))
    assert first["secretKeyMultibase"] != second["secretKeyMultibase"]


@pytest.mark.parametrize("key_type", ["ed25519", "p-256", "p-384"])
def test_keygen_out_writes_the_pair_with_mode_0600(tmp_path: Path, key_type: str) -> None:
    path = tmp_path / "key.json"
    result = run("keygen", "--type", key_type, "--out", path)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    written = read_json(path)
    assert written["id"] in result.stderr
    assert (
        KeyPair.from_multibase(written["secretKeyMultibase"]).public.multibase
        == (written["publicKeyMultibase"])
    )


def test_keygen_out_over_an_existing_readable_file_makes_it_0600(tmp_path: Path) -> None:
    path = tmp_path / "key.json"
    path.write_text("old")
    path.chmod(0o644)
    assert run("keygen", "--out", path).exit_code == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "secretKeyMultibase" in read_json(path)


def test_keygen_out_into_a_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = run("keygen", "--out", tmp_path / "no" / "such" / "key.json")
    assert result.exit_code == 2
    assert "--out" in the_error(result)


def test_keygen_unknown_type_is_a_usage_error() -> None:
    result = run("keygen", "--type", "rsa")
    assert result.exit_code == 2
    assert "rsa" in result.stderr


# --- sign → verify ----------------------------------------------------------------------------


@pytest.mark.parametrize("sample", SAMPLES)
@pytest.mark.parametrize(("key_type", "suite"), SIGNING)
def test_sign_then_verify_round_trip(
    tmp_path: Path, key_type: str, suite: str, sample: str
) -> None:
    key = keygen(tmp_path, key_type)
    unsigned = credential_for(key, sample, tmp_path)
    signed = sign_ok("--key", key, "--suite", suite, unsigned)
    proof = signed["proof"]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == suite
    assert proof["verificationMethod"] == read_json(key)["id"]
    assert proof["proofPurpose"] == "assertionMethod"
    assert {k: v for k, v in signed.items() if k != "proof"} == read_json(unsigned)

    result = run("verify", write_json(tmp_path / "signed.json", signed))
    assert result.exit_code == 0, result.output
    [line] = verify_lines(result)
    assert line["verified"] is True
    assert line["input"].endswith("signed.json")
    assert [c["name"] for c in line["checks"]] == [
        "well-formed",
        "proof",
        "issuer-key",
        "validity-period",
    ]
    assert all(c["status"] == "passed" for c in line["checks"])


@pytest.mark.parametrize(
    ("key_type", "suite"), [("ed25519", "eddsa-rdfc-2022"), ("p-256", "ecdsa-rdfc-2019")]
)
def test_default_suite_follows_the_key_type(tmp_path: Path, key_type: str, suite: str) -> None:
    key = keygen(tmp_path, key_type)
    signed = sign_ok("--key", key, credential_for(key, "x-certificate.json", tmp_path))
    assert signed["proof"]["cryptosuite"] == suite


def test_created_option_is_used_verbatim(ed_key: Path, tmp_path: Path) -> None:
    unsigned = credential_for(ed_key, "diploma.json", tmp_path)
    signed = sign_ok("--key", ed_key, "--created", "2025-07-01T08:00:00Z", unsigned)
    assert signed["proof"]["created"] == "2025-07-01T08:00:00Z"


def test_several_inputs_give_one_json_line_each(ed_key: Path, tmp_path: Path) -> None:
    inputs = [credential_for(ed_key, sample, tmp_path) for sample in SAMPLES]
    result = run("sign", "--key", ed_key, *inputs)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    signed = [json.loads(line) for line in lines]
    assert [doc["id"] for doc in signed] == [read_json(path)["id"] for path in inputs]

    paths = [write_json(tmp_path / f"signed-{i}.json", doc) for i, doc in enumerate(signed)]
    verified = run("verify", *paths)
    assert verified.exit_code == 0, verified.output
    reports = verify_lines(verified)
    assert [r["input"] for r in reports] == [str(p) for p in paths]
    assert all(r["verified"] for r in reports)


def test_one_bad_input_among_good_ones(
    ed_key: Path, signed_x: dict[str, Any], tmp_path: Path
) -> None:
    good = write_json(tmp_path / "good.json", signed_x)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = run("verify", good, bad, good)
    assert result.exit_code == 1
    assert [r["verified"] for r in verify_lines(result)] == [True, False, True]

    signed = run("sign", "--key", ed_key, credential_for(ed_key, "diploma.json", tmp_path), bad)
    assert signed.exit_code == 1
    assert len(signed.stdout.splitlines()) == 1  # the good one is still signed
    assert "bad.json is not JSON" in the_error(signed)


def test_dash_reads_standard_input(ed_key: Path, tmp_path: Path) -> None:
    unsigned = credential_for(ed_key, "x-certificate.json", tmp_path).read_text()
    signed = sign_ok("--key", ed_key, "-", stdin=unsigned)
    result = run("verify", "-", stdin=json.dumps(signed))
    assert result.exit_code == 0, result.output
    [line] = verify_lines(result)
    assert line["input"] == "-"
    assert line["verified"] is True


# --- W3C vectors ------------------------------------------------------------------------------

VECTOR_SIGNING = [
    ("eddsa-rdfc-2022", "eddsa-rdfc-2022/signedDataInt.json"),
    ("eddsa-jcs-2022", "eddsa-jcs-2022/signedJCS.json"),
]


@pytest.mark.vectors
@pytest.mark.parametrize(("suite", "signed_name"), VECTOR_SIGNING)
def test_vector_key_and_created_reproduce_the_proof_value(suite: str, signed_name: str) -> None:
    eddsa = vectors_dir("eddsa")
    expected = read_json(eddsa / signed_name)["proof"]
    signed = sign_ok(
        "--key",
        eddsa / "keyPair.json",  # privateKeyMultibase, as the vectors spell it
        "--suite",
        suite,
        "--created",
        expected["created"],
        "--contexts",
        vectors_dir("contexts"),
        eddsa / "unsigned.json",
    )
    assert signed["proof"] == expected
    if suite == "eddsa-rdfc-2022":
        btc58 = (eddsa / "eddsa-rdfc-2022" / "sigBTC58DataInt.txt").read_text().strip()
        assert signed["proof"]["proofValue"] == btc58


SIGNED_VECTORS = [
    "eddsa/eddsa-rdfc-2022/signedDataInt.json",
    "eddsa/eddsa-rdfc-2022/employ/signedDataInt.json",
    "eddsa/eddsa-jcs-2022/signedJCS.json",
    "eddsa/Ed25519Signature2020/signedEdSig.json",
    "ecdsa/ecdsa-rdfc-2019-p256/signedECDSAP256.json",
    "ecdsa/ecdsa-rdfc-2019-p384/signedECDSAP384.json",
    "ecdsa/ecdsa-jcs-2019-p256/signedJCSECDSAP256.json",
    "ecdsa/ecdsa-jcs-2019-p384/signedJCSECDSAP384.json",
]


@pytest.mark.vectors
@pytest.mark.parametrize("name", SIGNED_VECTORS)
def test_signed_vectors_verify_proof_only_but_not_as_issued_by_their_key(name: str) -> None:
    path = vectors_dir() / name
    contexts = vectors_dir("contexts")
    proof_only = run("verify", "--proof-only", "--contexts", contexts, path)
    assert proof_only.exit_code == 0, proof_only.output
    [line] = verify_lines(proof_only)
    assert line["verified"] is True
    assert [c["name"] for c in line["checks"]] == ["proof"]

    full = run("verify", "--contexts", contexts, path)
    assert full.exit_code == 1
    [line] = verify_lines(full)
    statuses = {c["name"]: c["status"] for c in line["checks"]}
    assert statuses == {
        "well-formed": "passed",
        "proof": "passed",
        "issuer-key": "failed",
        "validity-period": "passed",
    }
    [detail] = failed_details(line, "issuer-key")
    assert issuer_id(read_json(path)) in detail


@pytest.mark.vectors
def test_accepted_suites_can_be_narrowed() -> None:
    path = vectors_dir("eddsa", "eddsa-jcs-2022") / "signedJCS.json"
    result = run(
        "verify",
        "--proof-only",
        "--suite",
        "eddsa-rdfc-2022",
        "--contexts",
        vectors_dir("contexts"),
        path,
    )
    assert result.exit_code == 1
    [line] = verify_lines(result)
    assert any("'eddsa-jcs-2022' is not accepted" in d for d in failed_details(line))


# --- presentations: challenge and domain ------------------------------------------------------


@pytest.fixture
def signed_presentation(ed_key: Path, signed_x: dict[str, Any], tmp_path: Path) -> Path:
    holder_key = keygen(tmp_path, name="holder.json")
    presentation = {
        "@context": [V2],
        "type": ["VerifiablePresentation"],
        "holder": read_json(holder_key)["controller"],
        "verifiableCredential": [signed_x],
    }
    unsigned = write_json(tmp_path / "vp.json", presentation)
    signed = sign_ok(
        "--key",
        holder_key,
        "--purpose",
        "authentication",
        "--challenge",
        "c-8f2a",
        "--domain",
        "verifier.example",
        unsigned,
    )
    assert signed["proof"]["challenge"] == "c-8f2a"
    assert signed["proof"]["domain"] == "verifier.example"
    return write_json(tmp_path / "vp-signed.json", signed)


def test_presentation_verifies_with_its_challenge_and_domain(signed_presentation: Path) -> None:
    result = run(
        "verify", "--challenge", "c-8f2a", "--domain", "verifier.example", signed_presentation
    )
    assert result.exit_code == 0, result.output
    [line] = verify_lines(result)
    names = [c["name"] for c in line["checks"]]
    assert names[:3] == ["well-formed", "proof", "holder-binding"]
    assert "verifiableCredential[0].issuer-key" in names
    assert line["verified"] is True


@pytest.mark.parametrize(
    ("challenge", "domain", "problem_type", "named"),
    [
        ("c-WRONG", "verifier.example", problems.INVALID_CHALLENGE_ERROR, "challenge"),
        ("c-8f2a", "evil.example", problems.INVALID_DOMAIN_ERROR, "evil.example"),
    ],
)
def test_presentation_with_the_wrong_challenge_or_domain_fails(
    signed_presentation: Path, challenge: str, domain: str, problem_type: str, named: str
) -> None:
    result = run("verify", "--challenge", challenge, "--domain", domain, signed_presentation)
    assert result.exit_code == 1
    [line] = verify_lines(result)
    assert line["verified"] is False
    [proof_check] = [c for c in line["checks"] if c["name"] == "proof"]
    assert proof_check["status"] == "failed"
    assert [p["type"] for p in proof_check["problems"]] == [problem_type]
    assert named in proof_check["problems"][0]["detail"]


def test_presentation_signed_for_assertion_is_refused(
    ed_key: Path, signed_x: dict[str, Any], tmp_path: Path
) -> None:
    presentation = {
        "@context": [V2],
        "type": ["VerifiablePresentation"],
        "holder": read_json(ed_key)["controller"],
        "verifiableCredential": signed_x,
    }
    signed = sign_ok("--key", ed_key, write_json(tmp_path / "vp.json", presentation))
    result = run("verify", write_json(tmp_path / "vp-signed.json", signed))
    assert result.exit_code == 1
    [line] = verify_lines(result)
    assert any("expected 'authentication'" in d for d in failed_details(line, "proof"))


# --- bad input: one clear line, exit 1 (bad input) or 2 (usage) -------------------------------


def test_not_json(ed_key: Path, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"@context": [')
    signed = run("sign", "--key", ed_key, path)
    assert signed.exit_code == 1
    assert signed.stdout == ""
    assert f"{path} is not JSON" in the_error(signed)

    verified = run("verify", path)
    assert verified.exit_code == 1
    [line] = verify_lines(verified)
    assert line["checks"][0]["name"] == "readable"
    assert any("is not JSON" in d for d in failed_details(line))


@pytest.mark.parametrize("value", [[1, 2], "a string", 42, None])
def test_json_that_is_not_an_object(ed_key: Path, tmp_path: Path, value: Any) -> None:
    path = write_json(tmp_path / "value.json", value)
    signed = run("sign", "--key", ed_key, path)
    assert signed.exit_code == 1
    assert "must be a JSON object" in the_error(signed)

    verified = run("verify", path)
    assert verified.exit_code == 1
    [line] = verify_lines(verified)
    assert any("must be a JSON object" in d for d in failed_details(line, "well-formed"))


def test_too_deeply_nested_json(ed_key: Path, tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    signed = run("sign", "--key", ed_key, path)
    assert signed.exit_code == 1
    assert "nested too deeply" in the_error(signed)
    verified = run("verify", path)
    assert verified.exit_code == 1
    assert any("nested too deeply" in d for d in failed_details(verify_lines(verified)[0]))


def test_a_signed_document_that_is_not_a_credential(ed_key: Path, tmp_path: Path) -> None:
    document = {"@context": [V2], "type": ["VerifiableCredential"]}
    signed = sign_ok("--key", ed_key, write_json(tmp_path / "doc.json", document))
    result = run("verify", write_json(tmp_path / "signed.json", signed))
    assert result.exit_code == 1
    [line] = verify_lines(result)
    [well_formed] = [c for c in line["checks"] if c["name"] == "well-formed"]
    assert well_formed["status"] == "failed"
    assert {p["property"] for p in well_formed["problems"]} == {"issuer", "credentialSubject"}


def test_unknown_context_is_named(ed_key: Path, signed_x: dict[str, Any], tmp_path: Path) -> None:
    unsigned = read_json(credential_for(ed_key, "x-certificate.json", tmp_path))
    unsigned["@context"].append(UNKNOWN_CONTEXT)
    signed = run("sign", "--key", ed_key, write_json(tmp_path / "unknown.json", unsigned))
    assert signed.exit_code == 1
    error = the_error(signed)
    assert UNKNOWN_CONTEXT in error
    assert "not bundled" in error

    tampered = copy.deepcopy(signed_x)
    tampered["@context"].append(UNKNOWN_CONTEXT)
    result = run("verify", write_json(tmp_path / "signed-unknown.json", tampered))
    assert result.exit_code == 1
    [line] = verify_lines(result)
    assert any(UNKNOWN_CONTEXT in d for d in failed_details(line, "proof"))


def test_unknown_suite_option_is_a_usage_error(ed_key: Path, tmp_path: Path) -> None:
    unsigned = credential_for(ed_key, "x-certificate.json", tmp_path)
    signed = run("sign", "--key", ed_key, "--suite", "nope", unsigned)
    assert signed.exit_code == 2
    assert "'nope'" in the_error(signed)
    verified = run("verify", "--suite", "nope", unsigned)
    assert verified.exit_code == 2
    assert "'nope'" in the_error(verified)


def test_proof_with_an_unknown_cryptosuite_is_named(
    signed_x: dict[str, Any], tmp_path: Path
) -> None:
    tampered = copy.deepcopy(signed_x)
    tampered["proof"]["cryptosuite"] = "nope"
    result = run("verify", write_json(tmp_path / "nope.json", tampered))
    assert result.exit_code == 1
    [line] = verify_lines(result)
    [detail] = failed_details(line, "proof")
    assert "cryptosuite 'nope' is not accepted" in detail


@pytest.mark.parametrize(
    ("key_type", "suite"),
    [("p-256", "eddsa-rdfc-2022"), ("p-256", "eddsa-jcs-2022"), ("ed25519", "ecdsa-rdfc-2019")],
)
def test_suite_that_cannot_use_the_key_is_a_usage_error(
    tmp_path: Path, key_type: str, suite: str
) -> None:
    key = keygen(tmp_path, key_type)
    result = run(
        "sign", "--key", key, "--suite", suite, credential_for(key, "x-certificate.json", tmp_path)
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    error = the_error(result)
    assert f"--suite {suite} cannot sign with" in error
    assert KeyPair.from_multibase(read_json(key)["secretKeyMultibase"]).algorithm in error


def test_truncated_proof_value(signed_x: dict[str, Any], tmp_path: Path) -> None:
    tampered = copy.deepcopy(signed_x)
    tampered["proof"]["proofValue"] = tampered["proof"]["proofValue"][:-10]
    result = run("verify", write_json(tmp_path / "truncated.json", tampered))
    assert result.exit_code == 1
    [line] = verify_lines(result)
    [detail] = failed_details(line, "proof")
    assert "proof.proofValue" in detail


@pytest.mark.parametrize(
    ("context_entry", "extra", "named"),
    [
        # pyld itself crashes (KeyError) on this one; the message still says what broke.
        ({"@language": None}, {}, "'@language'"),
        (None, {}, "nullify a context with protected terms"),
        ({"@vocab": 7}, {}, '"@vocab"'),
        # A hidden term: "@vocab": null (or a term mapped to null) would make pyld silently
        # drop hiddenClaim from the signed data.
        ({"@vocab": None}, {"hiddenClaim": "forged"}, "'hiddenClaim'"),
        ({"hiddenClaim": None}, {"hiddenClaim": "forged"}, "maps to null"),
    ],
)
def test_contexts_that_break_or_fool_json_ld(
    ed_key: Path,
    signed_x: dict[str, Any],
    tmp_path: Path,
    context_entry: Any,
    extra: dict[str, Any],
    named: str,
) -> None:
    unsigned = read_json(credential_for(ed_key, "x-certificate.json", tmp_path))
    unsigned["@context"].append(context_entry)
    unsigned["credentialSubject"].update(extra)
    signed = run("sign", "--key", ed_key, write_json(tmp_path / "bad-context.json", unsigned))
    assert signed.exit_code == 1
    assert signed.stdout == ""
    assert named in the_error(signed)

    tampered = copy.deepcopy(signed_x)
    tampered["@context"].append(context_entry)
    tampered["credentialSubject"].update(extra)
    result = run("verify", write_json(tmp_path / "tampered.json", tampered))
    assert result.exit_code == 1
    [line] = verify_lines(result)
    assert line["verified"] is False
    assert any(named in d for d in failed_details(line, "proof"))


def test_undefined_term_is_named(ed_key: Path, tmp_path: Path) -> None:
    unsigned = read_json(credential_for(ed_key, "diploma.json", tmp_path))
    unsigned["credentialSubject"]["favouriteColour"] = "green"
    result = run("sign", "--key", ed_key, write_json(tmp_path / "undefined.json", unsigned))
    assert result.exit_code == 1
    error = the_error(result)
    assert "'favouriteColour'" in error
    assert "do not define" in error


def test_relative_id_is_refused_when_signing(ed_key: Path, tmp_path: Path) -> None:
    unsigned = read_json(credential_for(ed_key, "x-certificate.json", tmp_path))
    unsigned["credentialSubject"]["achievement"]["id"] = "achievements/web-frontend"
    result = run("sign", "--key", ed_key, write_json(tmp_path / "relative.json", unsigned))
    assert result.exit_code == 1
    assert "'achievements/web-frontend'" in the_error(result)


def test_missing_input_file(ed_key: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.json"
    signed = run("sign", "--key", ed_key, missing)
    assert signed.exit_code == 1
    assert f"cannot read {missing}" in the_error(signed)

    verified = run("verify", missing)
    assert verified.exit_code == 1
    [line] = verify_lines(verified)
    assert line["input"] == str(missing)
    assert any(f"cannot read {missing}" in d for d in failed_details(line, "readable"))


def _key_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Broken key files and what their message must say."""
    good = read_json(keygen(tmp_path, "ed25519", "good.json"))
    other = read_json(keygen(tmp_path, "p-256", "other.json"))
    not_json = tmp_path / "not-json.json"
    not_json.write_text("secretKeyMultibase: z3u2")
    return {
        "not JSON": (not_json, "cannot read a key-pair JSON"),
        "missing": (tmp_path / "absent.json", "cannot read a key-pair JSON"),
        "not an object": (write_json(tmp_path / "list.json", [good]), "must be a JSON object"),
        "no secret": (
            write_json(
                tmp_path / "public.json", {"publicKeyMultibase": good["publicKeyMultibase"]}
            ),
            "no secretKeyMultibase or privateKeyMultibase",
        ),
        "mismatched public key": (
            write_json(
                tmp_path / "mismatch.json",
                {**good, "publicKeyMultibase": other["publicKeyMultibase"]},
            ),
            "publicKeyMultibase does not match the secret key",
        ),
        "bad secret": (
            write_json(tmp_path / "bad-secret.json", {"secretKeyMultibase": "z3u2"}),
            "secretKeyMultibase",
        ),
    }


@pytest.mark.parametrize(
    "case",
    ["not JSON", "missing", "not an object", "no secret", "mismatched public key", "bad secret"],
)
def test_bad_key_file_is_a_usage_error(ed_key: Path, tmp_path: Path, case: str) -> None:
    key_path, message = _key_files(tmp_path)[case]
    result = run("sign", "--key", key_path, credential_for(ed_key, "diploma.json", tmp_path))
    assert result.exit_code == 2
    assert result.stdout == ""
    error = the_error(result)
    assert f"--key {key_path}" in error
    assert message in error


@pytest.mark.parametrize("created", ["yesterday", "2025-07-01T08:00:00"])
def test_bad_created_is_a_usage_error(ed_key: Path, tmp_path: Path, created: str) -> None:
    result = run(
        "sign",
        "--key",
        ed_key,
        "--created",
        created,
        credential_for(ed_key, "diploma.json", tmp_path),
    )
    assert result.exit_code == 2
    assert repr(created) in the_error(result)


def test_missing_arguments_are_usage_errors(ed_key: Path) -> None:
    assert run("sign", "--key", ed_key).exit_code == 2
    assert run("verify").exit_code == 2
    assert run("sign", "-").exit_code == 2  # no --key


# --- as a real process ------------------------------------------------------------------------

needs_script = pytest.mark.skipif(not ONEX.exists(), reason=f"the onex script is not at {ONEX}")


@needs_script
def test_real_process_sign_pipe_verify(ed_key: Path, tmp_path: Path) -> None:
    unsigned = credential_for(ed_key, "x-certificate.json", tmp_path)
    sign = subprocess.run(
        [ONEX, "sign", "--key", ed_key, unsigned],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert sign.returncode == 0, sign.stderr
    verify = subprocess.run(
        [ONEX, "verify", "-"],
        input=sign.stdout,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert json.loads(verify.stdout)["verified"] is True


@needs_script
def test_real_process_bad_input_is_one_line_and_exit_1(ed_key: Path, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("not json at all")
    sign = subprocess.run(
        [ONEX, "sign", "--key", ed_key, path],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert sign.returncode == 1
    assert sign.stdout == ""
    assert sign.stderr.startswith(f"error: {path} is not JSON")
    assert len(sign.stderr.splitlines()) == 1
    usage = subprocess.run(
        [ONEX, "sign", "--key", ed_key, "--suite", "nope", path],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert usage.returncode == 2
    assert "Traceback" not in usage.stderr
