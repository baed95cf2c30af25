// Figures AWS published for the peers nanolambda cannot run side by side here
// (the Lambda Runtime Interface Emulator, AWS IoT Greengrass V1): context for
// the peers section, never measured by this suite. Each entry quotes only the
// figure, with the page it is from; where no published figure was found, the
// entry says so instead of guessing one. Checked by hand on `retrieved`.
'use strict';

const RETRIEVED = '2026-12-01';
const GG_V1_REQUIREMENTS = 'https://docs.aws.amazon.com/greengrass/v1/developerguide/what-is-gg.html';
// The same page's Markdown source, where the figures below were read (GGC v1.10 and v1.11 requirements).
const GG_V1_REQUIREMENTS_SOURCE = 'https://github.com/awsdocs/aws-greengrass-developer-guide/blob/master/doc_source/what-is-gg.md';
const RIE_README = 'https://github.com/aws/aws-lambda-runtime-interface-emulator';

const NOT_FOUND = 'no published figure found';

/** [{ subject, measures, figure (a quote, or NOT_FOUND), source (URLs), retrieved }] */
const PUBLISHED_FIGURES = [
  {
    subject: 'AWS IoT Greengrass V1 Core (v1.10, v1.11)',
    measures: 'minimum RAM for the Core software',
    figure: '"Minimum 128 MB RAM allocated to the AWS IoT Greengrass Core software"',
    source: [GG_V1_REQUIREMENTS, GG_V1_REQUIREMENTS_SOURCE],
    retrieved: RETRIEVED,
  },
  {
    subject: 'AWS IoT Greengrass V1 Core (v1.10, v1.11)',
    measures: 'minimum RAM with stream manager enabled',
    figure: '"the minimum is 198 MB RAM"',
    source: [GG_V1_REQUIREMENTS, GG_V1_REQUIREMENTS_SOURCE],
    retrieved: RETRIEVED,
  },
  {
    subject: 'AWS IoT Greengrass V1 Core (v1.10, v1.11)',
    measures: 'minimum disk space for the Core software (with the OTA update agent)',
    figure: '"Minimum 128 MB disk space" ("the minimum is 400 MB" with the OTA update agent)',
    source: [GG_V1_REQUIREMENTS, GG_V1_REQUIREMENTS_SOURCE],
    retrieved: RETRIEVED,
  },
  {
    subject: 'AWS IoT Greengrass V1 Core',
    measures: 'warm local Lambda invoke latency',
    figure: NOT_FOUND,
    source: [GG_V1_REQUIREMENTS],
    retrieved: RETRIEVED,
  },
  {
    subject: 'AWS IoT Greengrass V1 Core',
    measures: 'Lambda cold start on the core',
    figure: NOT_FOUND,
    source: [GG_V1_REQUIREMENTS],
    retrieved: RETRIEVED,
  },
  {
    subject: 'AWS Lambda Runtime Interface Emulator (aws-lambda-rie)',
    measures: 'warm invoke latency',
    figure: NOT_FOUND,
    source: [RIE_README],
    retrieved: RETRIEVED,
  },
  {
    subject: 'AWS Lambda Runtime Interface Emulator (aws-lambda-rie)',
    measures: 'cold start (container start to first response)',
    figure: NOT_FOUND,
    source: [RIE_README],
    retrieved: RETRIEVED,
  },
  {
    subject: 'AWS Lambda Runtime Interface Emulator (aws-lambda-rie)',
    measures: 'memory footprint',
    figure: NOT_FOUND,
    source: [RIE_README],
    retrieved: RETRIEVED,
  },
];

module.exports = { PUBLISHED_FIGURES, NOT_FOUND };
