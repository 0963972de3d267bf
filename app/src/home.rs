//! The home page: what the program is, and whether registration is open.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::registration::{load_registration_status, RegistrationNotice};

#[component]
pub fn HomePage() -> impl IntoView {
    let status = Resource::new_blocking(|| (), |_| load_registration_status());
    view! {
        <Title text="Kartu Prakerja — pelatihan untuk pencari kerja"/>
        <h1>"Kartu Prakerja"</h1>
        <p class="lead">
            "Bantuan biaya pelatihan untuk pencari kerja, korban PHK, serta pekerja dan pelaku usaha mikro dan kecil "
            "yang terdampak COVID-19. Pilih sendiri pelatihan daring dari 8 platform mitra, dapatkan sertifikat elektronik."
        </p>
        {crate::forms::loaded(status, |status| view! { <RegistrationNotice status/> })}
        <p><a class="button" href=crate::paths::SIGN_IN_PATH>"Daftar atau masuk"</a></p>
        <h2>"Cara mendaftar"</h2>
        <ol class="steps">
            <li>"Masuk dengan email Anda; kami mengirim kode 6 angka."</li>
            <li>"Isi data diri sesuai KTP dan Kartu Keluarga."</li>
            <li>"Data Anda diverifikasi, lalu Anda mengikuti tes singkat kemampuan dasar dan motivasi."</li>
            <li>"Peserta yang lolos bergabung dengan gelombang; kuota diisi lewat undian yang dapat diperiksa siapa saja."</li>
            <li>"Bandingkan dan pilih pelatihan, ikuti secara daring, lalu dapatkan sertifikat elektronik."</li>
        </ol>
        <h2>"Syarat"</h2>
        <ul>
            <li>"Warga Negara Indonesia berusia 18–64 tahun dan tidak sedang menempuh pendidikan formal."</li>
            <li>"Bukan pejabat negara, anggota DPR/DPRD, ASN, TNI/Polri, kepala desa/perangkat desa, atau direksi/komisaris BUMN/BUMD."</li>
            <li>"Satu NIK hanya dapat mendaftar sekali; paling banyak 2 NIK dalam satu Kartu Keluarga."</li>
        </ul>
    }
}
