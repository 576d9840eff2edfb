//! The `id_ID` locale: Indonesian first and last names, phone formats and addresses.
//!
//! Names are those that appear in the original project's published tables
//! (generated with Python Faker's `id_ID` locale); the 18 phone formats reproduce
//! the formats, and their relative frequencies, seen in the same tables. Cities are
//! Indonesia's largest cities, provinces its 38 provinces, postcodes five digits (the
//! Indonesian format); a street is `Jl.` or `Gg.` and a name, as Indonesian streets are
//! mostly named after people.

use fake::locales::Data;

/// Indonesian (`id_ID`) data for the `fake` crate.
#[derive(Debug, Clone, Copy)]
pub struct IdId;

#[rustfmt::skip]
impl Data for IdId {
    const NAME_FIRST_NAME: &'static [&'static str] = &[
    "Abyasa", "Ade", "Adhiarja", "Adiarja", "Adika", "Adikara", "Adinata", "Aditya", "Agnes",
    "Agus", "Aisyah", "Ajeng", "Ajiman", "Ajimat", "Ajimin", "Ajiono", "Akarsana", "Alambana",
    "Alika", "Almira", "Amalia", "Amelia", "Ami", "Among", "Ana", "Anastasia", "Anggabaya",
    "Ani", "Anita", "Anom", "Argono", "Aris", "Arsipatra", "Arta", "Artanto", "Artawan",
    "Asirwada", "Asirwanda", "Aslijan", "Asmadi", "Asman", "Asmianto", "Asmuni", "Aswani",
    "Atma", "Atmaja", "Aurora", "Ayu", "Azalea", "Bagas", "Bagiya", "Bagus", "Bagya",
    "Bahuraksa", "Bahuwarna", "Bahuwirya", "Bajragin", "Bakiadi", "Bakianto", "Bakidin",
    "Bakijan", "Bakiman", "Bakiono", "Bakti", "Baktiadi", "Baktiono", "Bala", "Balamantri",
    "Balangga", "Balapati", "Balidin", "Balijan", "Bambang", "Banara", "Banawa", "Banawi",
    "Bancar", "Belinda", "Bella", "Betania", "Budi", "Cagak", "Cager", "Cahya", "Cahyadi",
    "Cahyanto", "Cahyo", "Cahyono", "Caket", "Cakrabuana", "Cakrajiya", "Cakrawangsa",
    "Calista", "Candra", "Candrakanta", "Capa", "Caraka", "Carla", "Carub", "Catur",
    "Caturangga", "Cawisadi", "Cawisono", "Cayadi", "Cecep", "Cemani", "Cemeti", "Cengkal",
    "Cengkir", "Chandra", "Chelsea", "Ciaobella", "Cici", "Cindy", "Cinta", "Cinthia", "Citra",
    "Cornelia", "Dacin", "Dadap", "Dadi", "Dagel", "Dalima", "Daliman", "Dalimin", "Daliono",
    "Damar", "Damu", "Danang", "Daniswara", "Danu", "Danuja", "Dariati", "Darijan", "Darimin",
    "Darmaji", "Darman", "Darmana", "Darmanto", "Darsirah", "Dartono", "Daru", "Daruna",
    "Daryani", "Dasa", "Devi", "Dewi", "Diana", "Digdaya", "Dimas", "Dimaz", "Dina", "Dinda",
    "Dipa", "Dirja", "Dodo", "Dono", "Drajat", "Dwi", "Edi", "Edison", "Edward", "Ega", "Eja",
    "Eka", "Eli", "Elisa", "Ella", "Ellis", "Elon", "Eluh", "Elvin", "Elvina", "Eman", "Emas",
    "Embuh", "Emil", "Emin", "Emong", "Empluk", "Endra", "Enteng", "Erik", "Estiawan",
    "Estiono", "Eva", "Faizah", "Farah", "Farhunnisa", "Fathonah", "Febi", "Fitria", "Fitriani",
    "Gada", "Gadang", "Gading", "Gaduh", "Gaiman", "Galak", "Galang", "Galih", "Galiono",
    "Galuh", "Galur", "Gaman", "Gamani", "Gamanto", "Gambira", "Gamblang", "Ganda", "Gandewa",
    "Gandi", "Ganep", "Gangsar", "Ganjaran", "Gantar", "Gara", "Garan", "Garang", "Garda",
    "Gasti", "Gatot", "Gatra", "Genta", "Ghaliyati", "Ghani", "Gilang", "Gilda", "Gina", "Hadi",
    "Hafshah", "Hairyanto", "Halim", "Halima", "Hamima", "Hamzah", "Hana", "Hani", "Hardana",
    "Hardi", "Hari", "Harimurti", "Harja", "Harjasa", "Harjaya", "Harjo", "Harsanto", "Hartaka",
    "Hartana", "Hasan", "Hasim", "Hasna", "Hasta", "Hendra", "Hendri", "Heru", "Heryanto",
    "Hesti", "Hilda", "Himawan", "Humaira", "Ian", "Ibrahim", "Ibrani", "Ibun", "Ida", "Ifa",
    "Ihsan", "Ikhsan", "Ikin", "Ilsa", "Ilyas", "Imam", "Ina", "Indah", "Indra", "Intan", "Ira",
    "Irfan", "Iriana", "Irma", "Irnanto", "Irsad", "Irwan", "Ismail", "Ivan", "Jabal", "Jaeman",
    "Jaga", "Jagapati", "Jail", "Jaiman", "Jais", "Jaka", "Jamal", "Jamalia", "Jamil", "Jane",
    "Janet", "Jarwa", "Jarwadi", "Jarwi", "Jasmani", "Jaswadi", "Jati", "Jatmiko", "Jaya",
    "Jayadi", "Jayeng", "Jefri", "Jelita", "Jessica", "Jinawi", "Jindra", "Johan", "Joko",
    "Jono", "Juli", "Julia", "Jumari", "Kacung", "Kadir", "Kairav", "Kajen", "Kala", "Kalim",
    "Kamal", "Kamaria", "Kambali", "Kamidin", "Kamila", "Kanda", "Kani", "Kania", "Kardi",
    "Karen", "Karimah", "Kariman", "Karja", "Karma", "Karman", "Karna", "Karsa", "Karsana",
    "Karta", "Karya", "Kasim", "Kasiran", "Kasiyah", "Kasusra", "Kawaca", "Kawaya", "Kayla",
    "Keisha", "Kemal", "Kemba", "Kenari", "Kenes", "Kenzie", "Kezia", "Kiandra", "Koko",
    "Kuncara", "Kunthara", "Kurnia", "Labuh", "Laila", "Laksana", "Lala", "Lalita", "Lamar",
    "Lanang", "Langgeng", "Lanjar", "Lantar", "Lasmanto", "Lasmono", "Laswi", "Latif", "Latika",
    "Lega", "Legawa", "Lembah", "Leo", "Lidya", "Lili", "Liman", "Lintang", "Luhung", "Luis",
    "Lukita", "Lukman", "Luluh", "Lulut", "Lurhur", "Lutfan", "Luthfi", "Luwar", "Luwes",
    "Mahdi", "Mahfud", "Mahmud", "Maida", "Maimunah", "Makara", "Makuta", "Mala", "Malik",
    "Malika", "Maman", "Manah", "Maras", "Maria", "Mariadi", "Marsito", "Marsudi", "Martaka",
    "Martana", "Martani", "Marwata", "Maryadi", "Maryanto", "Maya", "Melinda", "Michelle",
    "Mila", "Mitra", "Muhammad", "Mujur", "Mulya", "Mulyanto", "Mulyono", "Mumpuni", "Muni",
    "Mursinin", "Mursita", "Murti", "Mustika", "Mustofa", "Mutia", "Nabila", "Nadia", "Nadine",
    "Najam", "Najib", "Najwa", "Nalar", "Naradi", "Nardi", "Narji", "Nasab", "Nasim",
    "Nasrullah", "Natalia", "Nilam", "Niyaga", "Nova", "Novi", "Nrima", "Nugraha", "Nurul",
    "Nyana", "Nyoman", "Okta", "Okto", "Olga", "Oliva", "Olivia", "Oman", "Omar", "Oni", "Opan",
    "Oskar", "Ozy", "Padma", "Padmi", "Paiman", "Panca", "Pandu", "Pangeran", "Pangestu",
    "Panji", "Paramita", "Pardi", "Paris", "Parman", "Patricia", "Paulin", "Perkasa", "Pia",
    "Praba", "Prabawa", "Prabowo", "Prabu", "Prakosa", "Pranata", "Pranawa", "Prasetya",
    "Prasetyo", "Prayoga", "Prima", "Puput", "Purwa", "Purwadi", "Purwanto", "Puspa", "Puti",
    "Putri", "Putu", "Qori", "Queen", "Rachel", "Raden", "Radika", "Radit", "Raditya", "Rafid",
    "Raharja", "Rahayu", "Rahman", "Rahmi", "Raihan", "Raina", "Raisa", "Rama", "Rangga",
    "Ratih", "Ratna", "Reksa", "Rendy", "Respati", "Restu", "Reza", "Ridwan", "Rika", "Rina",
    "Rini", "Rizki", "Rosman", "Rudi", "Rusman", "Saadat", "Sabri", "Sabrina", "Sadina",
    "Safina", "Saiful", "Saka", "Sakti", "Sakura", "Salimah", "Salman", "Salsabila", "Salwa",
    "Samiah", "Samsul", "Sarah", "Sari", "Satya", "Septi", "Setya", "Shakila", "Shania",
    "Sidiq", "Silvia", "Simon", "Siska", "Siti", "Slamet", "Soleh", "Suci", "Surya", "Syahrini",
    "Talia", "Tami", "Tania", "Tantri", "Tari", "Tasdik", "Tasnim", "Taswir", "Taufan",
    "Taufik", "Teddy", "Tedi", "Teguh", "Tiara", "Timbul", "Tira", "Tirta", "Titi", "Titin",
    "Tomi", "Tri", "Tugiman", "Uchita", "Uda", "Uli", "Ulva", "Ulya", "Umar", "Umay", "Umaya",
    "Umi", "Unggul", "Unjani", "Upik", "Usman", "Usyi", "Utama", "Vanesa", "Vanya", "Vega",
    "Vera", "Vero", "Vicky", "Viktor", "Viman", "Vino", "Vinsen", "Violet", "Virman", "Vivi",
    "Wadi", "Wage", "Wakiman", "Waluyo", "Wani", "Wardaya", "Wardi", "Warji", "Warsa", "Warta",
    "Wasis", "Wawan", "Widya", "Winda", "Wira", "Wisnu", "Wulan", "Xanana", "Yahya", "Yance",
    "Yani", "Yessi", "Yoga", "Yono", "Yosef", "Yulia", "Yuni", "Yunita", "Yusuf", "Zaenab",
    "Zahra", "Zalindra", "Zelaya", "Zelda", "Zizi", "Zulaikha", "Zulfa",
    ];
    const NAME_LAST_NAME: &'static [&'static str] = &[
    "Adriansyah", "Agustina", "Andriani", "Anggraini", "Anggriawan", "Ardianto", "Aryani",
    "Astuti", "Budiman", "Budiyanto", "Dabukke", "Damanik", "Dongoran", "Farida", "Firgantoro",
    "Firmansyah", "Fujiati", "Gunarto", "Gunawan", "Habibi", "Hakim", "Halim", "Halimah",
    "Handayani", "Hardiansyah", "Hariyah", "Hartati", "Haryanti", "Haryanto", "Hasanah",
    "Hassanah", "Hastuti", "Hidayanto", "Hidayat", "Hutagalung", "Hutapea", "Hutasoit",
    "Irawan", "Iswahyudi", "Jailani", "Januar", "Kurniawan", "Kusmawati", "Kusumo",
    "Kuswandari", "Kuswoyo", "Lailasari", "Laksita", "Laksmiwati", "Latupono", "Lazuardi",
    "Lestari", "Mahendra", "Maheswara", "Mandala", "Mandasari", "Mangunsong", "Mansur",
    "Manullang", "Marbun", "Mardhiyah", "Marpaung", "Maryadi", "Maryati", "Maulana", "Mayasari",
    "Megantara", "Melani", "Mulyani", "Mustofa", "Nababan", "Nainggolan", "Najmudin", "Namaga",
    "Napitupulu", "Narpati", "Nashiruddin", "Nasyiah", "Nasyidah", "Natsir", "Novitasari",
    "Nugroho", "Nuraini", "Nurdiyanti", "Oktaviani", "Padmasari", "Palastri", "Pangestu",
    "Permadi", "Permata", "Pertiwi", "Prabowo", "Pradana", "Pradipta", "Prakasa", "Pranowo",
    "Prasasta", "Prasetya", "Prasetyo", "Prastuti", "Pratama", "Pratiwi", "Prayoga",
    "Pudjiastuti", "Purnawati", "Purwanti", "Puspasari", "Puspita", "Putra", "Rahayu",
    "Rahimah", "Rahmawati", "Rajasa", "Rajata", "Ramadan", "Riyanti", "Saefullah", "Safitri",
    "Salahudin", "Samosir", "Santoso", "Saptono", "Saputra", "Saragih", "Setiawan", "Sihombing",
    "Sihotang", "Simanjuntak", "Simbolon", "Sinaga", "Sirait", "Siregar", "Sitompul", "Sitorus",
    "Situmorang", "Suartini", "Sudiati", "Suryatmi", "Suryono", "Susanti", "Suwarno", "Tamba",
    "Tampubolon", "Tarihoran", "Thamrin", "Usada", "Usamah", "Utama", "Utami", "Uwais",
    "Uyainah", "Wacana", "Wahyudin", "Wahyuni", "Waluyo", "Wasita", "Waskita", "Wastuti",
    "Wibisono", "Wibowo", "Widiastuti", "Widodo", "Wijaya", "Wijayanti", "Winarno", "Winarsih",
    "Wulandari", "Yolanda", "Yulianti", "Yuliarti", "Yuniar", "Zulaika", "Zulkarnain",
    ];
    const NAME_TPL: &'static str = "{FirstName} {LastName}";
    const PHONE_NUMBER_FORMATS: &'static [&'static str] = &[
        "+62-##-###-####", "+62-0##-###-####", "+62-###-###-####", "+62-0###-###-####",
        "+62 (##) ### ####", "+62 (0##) ### ####", "+62 (###) ### ####", "+62 (0###) ### ####",
        "+62 (##) ###-####", "+62 (0##) ###-####", "+62 (###) ###-####", "+62 (0###) ###-####",
        "(0##) ### ####", "(0###) ### ####", "(0##) ###-####", "(0###) ###-####",
        "08# ### ####", "08########",
    ];
    const PHONE_CELL_NUMBER_FORMATS: &'static [&'static str] = &["08# ### ####", "08########", "+62-8##-###-####"];
    const ADDRESS_COUNTRY: &'static [&'static str] = &["Indonesia"];
    const INTERNET_FREE_EMAIL_PROVIDER: &'static [&'static str] = &["gmail.com", "yahoo.co.id", "yahoo.com"];
    const INTERNET_DOMAIN_SUFFIX: &'static [&'static str] = &["com", "co.id", "id", "net", "org", "ac.id"];
    // Read by `fake` only to tell a locale with its own cities; `CITIES` below are drawn.
    const ADDRESS_CITY_TPL: &'static str = "{CityName}";
    const ADDRESS_STREET_TPL: &'static str = "{StreetSuffix} {StreetName}";
    const ADDRESS_STREET_SUFFIX: &'static [&'static str] = &["Jl.", "Jl.", "Jl.", "Jalan", "Gg."];
    const ADDRESS_ZIP_FORMATS: &'static [&'static str] = &["#####"];
    const ADDRESS_POSTCODE_FORMATS: &'static [&'static str] = &["#####"];
    const ADDRESS_STATE: &'static [&'static str] = &[
        "Aceh", "Sumatera Utara", "Sumatera Barat", "Riau", "Kepulauan Riau", "Jambi",
        "Sumatera Selatan", "Kepulauan Bangka Belitung", "Bengkulu", "Lampung", "DKI Jakarta",
        "Jawa Barat", "Banten", "Jawa Tengah", "DI Yogyakarta", "Jawa Timur", "Bali",
        "Nusa Tenggara Barat", "Nusa Tenggara Timur", "Kalimantan Barat", "Kalimantan Tengah",
        "Kalimantan Selatan", "Kalimantan Timur", "Kalimantan Utara", "Sulawesi Utara",
        "Gorontalo", "Sulawesi Tengah", "Sulawesi Barat", "Sulawesi Selatan", "Sulawesi Tenggara",
        "Maluku", "Maluku Utara", "Papua", "Papua Barat", "Papua Barat Daya", "Papua Selatan",
        "Papua Tengah", "Papua Pegunungan",
    ];
}

/// Indonesian cities (kota), the largest first.
#[rustfmt::skip]
const CITIES: &[&str] = &[
    "Jakarta", "Surabaya", "Bekasi", "Bandung", "Medan", "Depok", "Tangerang", "Palembang",
    "Semarang", "Makassar", "Tangerang Selatan", "Batam", "Bogor", "Pekanbaru", "Bandar Lampung",
    "Padang", "Malang", "Samarinda", "Denpasar", "Tasikmalaya", "Banjarmasin", "Serang",
    "Balikpapan", "Pontianak", "Jambi", "Cimahi", "Surakarta", "Manado", "Kupang", "Mataram",
    "Yogyakarta", "Cilegon", "Kendari", "Jayapura", "Palu", "Bengkulu", "Sukabumi", "Cirebon",
    "Ambon", "Dumai", "Pekalongan", "Binjai", "Kediri", "Sorong", "Tegal", "Pematangsiantar",
    "Banda Aceh", "Tarakan", "Probolinggo", "Lubuklinggau", "Palangka Raya", "Singkawang",
    "Banjarbaru", "Bitung", "Pasuruan", "Ternate", "Madiun", "Batu", "Salatiga", "Gorontalo",
    "Prabumulih", "Magelang", "Lhokseumawe", "Bukittinggi", "Mojokerto", "Blitar", "Tanjungpinang",
    "Pangkalpinang", "Bontang", "Bima", "Padangsidimpuan", "Tebing Tinggi", "Parepare",
    "Langsa", "Tomohon", "Metro", "Kotamobagu", "Baubau", "Palopo", "Banjar", "Tidore Kepulauan",
    "Pagar Alam", "Payakumbuh", "Tanjungbalai", "Gunungsitoli", "Sungai Penuh", "Solok",
    "Pariaman", "Tual", "Sawahlunto", "Padang Panjang", "Sabang", "Subulussalam",
];

impl fake::faker::impls::address::CityNameGenFn for IdId {
    fn r#gen<R: rand::RngExt + ?Sized>(
        _: &fake::faker::address::raw::CityName<Self>,
        rng: &mut R,
    ) -> String {
        CITIES[rng.random_range(0..CITIES.len())].to_string()
    }
}
