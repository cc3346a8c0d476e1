import { PageHeader } from "./ui/page-header";

/** What a page shows until its capability lands: said plainly, not faked. */
export function ComingSoon({ title, issue, children }: { title: string; issue: string; children: string }) {
  return (
    <div>
      <PageHeader title={title} description={children} />
      <div className="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center text-sm text-slate-600">
        Not built yet: this page arrives with the {issue}.
      </div>
    </div>
  );
}
