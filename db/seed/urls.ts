/** The three databases a demo is seeded into. */
export interface DemoUrls {
  controlUrl: string;
  sourceUrl: string;
  targetUrl: string;
}
