export { renderComparison } from './console.js';
export { renderComparisonMarkdown } from './markdown.js';
export { renderComparisonHtml } from './html.js';
