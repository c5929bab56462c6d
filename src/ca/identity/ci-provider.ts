/**
 * Issuer type `ci-provider` (pkg/identity/ciprovider): SAN and extensions from the provider's
 * templates in ci-issuer-metadata, over the token's claims (every value printed as a string)
 * merged over the provider's default values. The issuer and subject extensions always come from the
 * token. The proof signs `sub`.
 */
import { SIGSTORE_EXTENSION_FIELDS, type SigstoreExtensionField } from '../../x509/ca-extensions.ts';
import type { CiIssuerMetadata } from '../config.ts';
import { TemplateError } from '../template.ts';
import { checkUri, goClaimString, PrincipalError } from './claims.ts';
import type { Principal, TokenContext } from './principal.ts';

export function ciProviderPrincipal(t: TokenContext): Principal {
  const meta = t.config.ciIssuerMetadata.get(t.issuer.ciProvider ?? '');
  if (!meta) throw new PrincipalError(`metadata not found for ci provider ${t.issuer.ciProvider}, issuer: ${t.iss}`);
  const data: Record<string, string> = { ...meta.defaultTemplateValues };
  for (const [k, v] of Object.entries(t.claims)) data[k] = goClaimString(v);
  const san = checkUri(apply(meta, meta.subjectAlternativeNameTemplate, data, 'SubjectAlternativeName'), 'subject alternative name');
  const values: Partial<Record<SigstoreExtensionField, string>> = {};
  for (const f of SIGSTORE_EXTENSION_FIELDS) {
    const template = meta.extensionTemplates[f.field];
    if (template === undefined || f.field === 'subject') continue;
    const v = apply(meta, template, data, f.json);
    if (v !== '') values[f.field] = v; // empty values are not rendered (Extensions.Render)
  }
  return { name: t.sub, san: { type: 'uri', value: san }, extensions: { ...values, issuer: t.iss, subject: t.sub } };
}

/** Fulcio's applyTemplateOrReplace: a template when it contains "{{", else a key to copy. */
function apply(meta: CiIssuerMetadata, template: string, data: Readonly<Record<string, string>>, what: string): string {
  const compiled = meta.compiled.get(template);
  if (compiled) {
    try {
      return compiled.execute(data);
    } catch (e) {
      if (e instanceof TemplateError) throw new PrincipalError(`${what}: ${e.message}`);
      throw e;
    }
  }
  if (!Object.hasOwn(data, template)) throw new PrincipalError(`${what}: value <${template}> not present in either claims or defaults`);
  return data[template]!;
}
