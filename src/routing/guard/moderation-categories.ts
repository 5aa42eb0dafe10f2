/**
 * The categories of an OpenAI-style moderation endpoint (omni-moderation-latest; the legacy
 * text-moderation models assess all but `illicit` and `illicit/violent`), as its answers name them.
 */
export const MODERATION_CATEGORIES: readonly string[] = [
  'harassment',
  'harassment/threatening',
  'hate',
  'hate/threatening',
  'illicit',
  'illicit/violent',
  'self-harm',
  'self-harm/instructions',
  'self-harm/intent',
  'sexual',
  'sexual/minors',
  'violence',
  'violence/graphic',
];
