-- The exclusion list: NIKs the program must refuse (civil servants, TNI/Polri, DPR/DPRD, village
-- officials, BUMN/BUMD boards, students, past recipients), imported by operators from the
-- agencies' CSV files. Keyed by NIK (Citus: distributed by nik, colocated with nik_claims).
create table exclusions (
    nik char(16) primary key check (nik ~ '^[0-9]{16}$'),
    category text not null check (category in ('pejabat-negara', 'dpr-dprd', 'asn', 'tni-polri',
        'perangkat-desa', 'direksi-bumn-bumd', 'pelajar', 'penerima-sebelumnya')),
    -- Which file or agency the entry came from, for the audit trail.
    source text not null check (length(source) between 1 and 200),
    imported_at timestamptz not null
);
