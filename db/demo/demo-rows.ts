import { createHash } from "node:crypto";

/**
 * Deterministic identities and dimension rows of the demo application. The seed's SQL and this module compute
 * the same keys (e.g. md5('document:42')::uuid), so tests, the divergence list and the simulator can name seeded
 * rows without querying for them.
 */

export const DEMO_ROW_COUNTS = {
  schools: 200,
  users: 20_000,
  courses: 400,
  enrollments: 12_000,
  documents: 30_000,
  document_collaborators: 10_000,
  annotations: 40_000,
  comments: 8_000,
} as const;

export type DemoKind = "document" | "annotation" | "comment";

/** 'u_000123': the rollout evaluates users by this string. */
export function demoUserId(index: number): string {
  return `u_${String(index).padStart(6, "0")}`;
}

/** Same value as PostgreSQL's md5('<kind>:<index>')::uuid, used by the seed for documents, annotations, comments. */
export function demoUuid(kind: DemoKind, index: number): string {
  const hex = createHash("md5").update(`${kind}:${index}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// US schools are over half of the platform, then Canada, the UK, Europe and South Asia (see the case study).
const SCHOOL_COUNTRIES = ["US", "US", "US", "US", "US", "US", "US", "US", "US", "US", "CA", "CA", "GB", "GB", "IE", "FR", "DE", "IN", "IN", "NZ"];
const REGION_OF: Record<string, string> = {
  US: "north-america",
  CA: "north-america",
  GB: "europe",
  IE: "europe",
  FR: "europe",
  DE: "europe",
  IN: "south-asia",
  NZ: "oceania",
};
const TIMEZONE_OF: Record<string, string> = {
  US: "America/Chicago",
  CA: "America/Toronto",
  GB: "Europe/London",
  IE: "Europe/Dublin",
  FR: "Europe/Paris",
  DE: "Europe/Berlin",
  IN: "Asia/Kolkata",
  NZ: "Pacific/Auckland",
};
const SCHOOL_STEMS = [
  "Riverside",
  "Lakeview",
  "Kōwhai",
  "Saint-Éloi",
  "Maple Ridge",
  "Greenwood",
  "Harbour",
  "Sunnydale",
  "Oakridge",
  "Brückenau",
  "Pinecrest",
  "Westbrook",
  "Marigold",
  "Tōtara",
  "Hillcrest",
  "Fairview",
];
const SCHOOL_KINDS = ["High School", "Middle School", "Elementary", "Academy", "College"];

export interface DemoSchool {
  id: number;
  name: string;
  region: string;
  country: string;
  timezone: string;
  plan: "teacher" | "school" | "district";
  seats: number;
  created_at: string;
}

export function demoSchools(): DemoSchool[] {
  return Array.from({ length: DEMO_ROW_COUNTS.schools }, (_, k) => {
    const id = k + 1;
    const country = SCHOOL_COUNTRIES[(id * 7) % SCHOOL_COUNTRIES.length];
    const day = 1 + (id % 28);
    return {
      id,
      name: `${SCHOOL_STEMS[id % SCHOOL_STEMS.length]} ${SCHOOL_KINDS[(id * 3) % SCHOOL_KINDS.length]} ${id}`,
      region: REGION_OF[country],
      country,
      timezone: TIMEZONE_OF[country],
      plan: id % 5 === 0 ? "district" : id % 7 === 0 ? "teacher" : "school",
      seats: 50 + ((id * 131) % 1950),
      created_at: `2014-${String(1 + (id % 12)).padStart(2, "0")}-${String(day).padStart(2, "0")}T08:00:00.${String((id * 104729) % 1_000_000).padStart(6, "0")}Z`,
    };
  });
}

const SUBJECTS = [
  { code: "Math", title: "Mathématiques" },
  { code: "Sci", title: "Science" },
  { code: "Lit", title: "Literature" },
  { code: "Hist", title: "History" },
  { code: "Mús", title: "Música" },
  { code: "Géo", title: "Géographie" },
  { code: "Fr", title: "Français" },
  { code: "Bio", title: "Biology" },
];
const CODE_WORDS = ["Élan", "bâtir", "Naïve", "Façade", "café", "Año", "Über", "Øst", "intro", "CORE"];

export interface DemoCourse {
  code: string;
  school_id: number;
  title: string;
  credits: string;
  created_at: string;
}

export function demoCourses(): DemoCourse[] {
  return Array.from({ length: DEMO_ROW_COUNTS.courses }, (_, k) => {
    const index = k + 1;
    const subject = SUBJECTS[index % SUBJECTS.length];
    return {
      // e.g. 'Géo-Façade-117': unique through the number, mixed case and accents through the words.
      code: `${subject.code}-${CODE_WORDS[(index * 3) % CODE_WORDS.length]}-${100 + index}`,
      school_id: 1 + ((index * 7) % DEMO_ROW_COUNTS.schools),
      title: `${subject.title} ${1 + (index % 4)}${index % 9 === 0 ? " (avancé)" : ""}`,
      credits: ((1 + (index % 8)) / 2).toFixed(1),
      created_at: `2019-0${1 + (index % 8)}-15T09:30:00.${String((index * 7919) % 1_000_000).padStart(6, "0")}Z`,
    };
  });
}

/** The course code the seed gives course number `index` (1-based). */
export function demoCourseCode(index: number): string {
  courseCodes ??= demoCourses().map((course) => course.code);
  return courseCodes[index - 1];
}
let courseCodes: string[] | undefined;
