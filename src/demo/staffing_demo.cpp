#include "demo/staffing_demo.h"

#include <fmt/format.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <random>
#include <span>
#include <string_view>

#include "common/json.h"

namespace lakehouse::demo {
namespace {

// Draws from a fixed-seed engine with our own arithmetic, so output is identical everywhere.
class Dice {
 public:
  explicit Dice(uint64_t seed) : engine_(seed) {}

  //! Uniform-enough integer in [lo, hi] (modulo bias is irrelevant for demo data).
  int64_t Between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(engine_() % static_cast<uint64_t>(hi - lo + 1));
  }
  //! True with probability `percent` / 100.
  bool Chance(int percent) { return Between(1, 100) <= percent; }
  template <typename T>
  const T& Pick(std::span<const T> items) {
    return items[static_cast<size_t>(Between(0, static_cast<int64_t>(items.size()) - 1))];
  }

 private:
  std::mt19937_64 engine_;
};

constexpr std::array<std::string_view, 48> kFirstNames = {
    "James",  "Mary",      "Robert",  "Patricia", "John",    "Jennifer", "Michael", "Linda",
    "David",  "Elizabeth", "William", "Barbara",  "Richard", "Susan",    "Joseph",  "Jessica",
    "Thomas", "Sarah",     "Carlos",  "María",    "José",    "Zoë",      "Aaliyah", "Wei",
    "Priya",  "Arjun",     "Fatima",  "Omar",     "Chloé",   "Björn",    "Siobhán", "Kwame",
    "Yuki",   "Hiroshi",   "Ngozi",   "Mateo",    "Sofía",   "Liam",     "Olivia",  "Noah",
    "Emma",   "Ava",       "Ethan",   "Mia",      "Lucas",   "Amara",    "Dmitri",  "Anaïs"};
constexpr std::array<std::string_view, 40> kLastNames = {
    "Smith",     "Johnson",  "Williams",  "Brown",  "Jones",     "Garcia", "Miller",   "Davis",
    "Rodriguez", "Martinez", "Hernández", "López",  "Gonzalez",  "Wilson", "Anderson", "Thomas",
    "Taylor",    "Moore",    "Jackson",   "Martin", "Lee",       "Nguyễn", "Patel",    "Kim",
    "O'Brien",   "Müller",   "Okafor",    "Tanaka", "Ivanova",   "Cohen",  "Singh",    "Chen",
    "Haddad",    "Kowalski", "Rossi",     "Dubois", "Andersson", "Mensah", "Santos",   "Novak"};
struct Place {
  std::string_view city;
  std::string_view state;
  std::string_view zip;
};
constexpr std::array<Place, 16> kPlaces = {{{"Boston", "MA", "02108"},
                                            {"Cambridge", "MA", "02139"},
                                            {"Hartford", "CT", "06103"},
                                            {"Newark", "NJ", "07102"},
                                            {"Princeton", "NJ", "08540"},
                                            {"Portland", "ME", "04101"},
                                            {"Providence", "RI", "02903"},
                                            {"New York", "NY", "10001"},
                                            {"Chicago", "IL", "60601"},
                                            {"Austin", "TX", "78701"},
                                            {"Denver", "CO", "80202"},
                                            {"Seattle", "WA", "98101"},
                                            {"San Francisco", "CA", "94105"},
                                            {"Atlanta", "GA", "30303"},
                                            {"Miami", "FL", "33130"},
                                            {"Phoenix", "AZ", "85004"}}};

struct Role {
  std::string_view title;
  std::array<std::string_view, 8> skills;
  std::array<std::string_view, 4> duties;
};
constexpr std::array<Role, 8> kRoles = {{
    {"Software Engineer",
     {"Java", "Python", "SQL", "AWS", "Kubernetes", "React", "Go", "PostgreSQL"},
     {"built and operated REST services handling millions of requests a day",
      "migrated a monolith to containerised services on Kubernetes",
      "cut page load times by 40% by profiling and caching hot paths",
      "mentored junior engineers and ran code reviews"}},
    {"Data Analyst",
     {"SQL", "Excel", "Tableau", "Power BI", "Python", "R", "Statistics", "Looker"},
     {"built weekly revenue dashboards used by the executive team",
      "cleaned and reconciled CRM exports across three systems",
      "designed A/B test analyses for pricing experiments",
      "automated monthly reporting with Python and SQL"}},
    {"Registered Nurse",
     {"Patient Care", "ICU", "EMR", "Epic", "BLS", "ACLS", "Triage", "Telemetry"},
     {"provided critical care to patients in a 24-bed ICU", "charted patient assessments in Epic",
      "trained new graduate nurses on telemetry monitoring",
      "coordinated discharge plans with case managers"}},
    {"Project Manager",
     {"Agile", "Scrum", "Jira", "PMP", "Budgeting", "Stakeholder Management", "Risk Management",
      "MS Project"},
     {"delivered a $2M ERP rollout on time and under budget", "ran sprint planning for three scrum teams",
      "managed vendor contracts and statements of work",
      "reported programme risks to the steering committee"}},
    {"Accountant",
     {"GAAP", "QuickBooks", "SAP", "Excel", "Reconciliation", "Audit", "Payroll", "Tax"},
     {"closed the books monthly for a 300-person company", "prepared audit schedules for external auditors",
      "reconciled intercompany accounts across four entities", "implemented SAP for accounts payable"}},
    {"Warehouse Associate",
     {"Forklift", "Inventory", "Shipping", "Receiving", "OSHA", "RF Scanner", "Picking", "Packing"},
     {"picked and packed 200+ orders per shift with 99.8% accuracy",
      "operated forklifts with OSHA certification", "ran cycle counts and inventory reconciliation",
      "trained seasonal staff on RF scanners"}},
    {"Customer Service Representative",
     {"Zendesk", "Salesforce", "Call Center", "Bilingual", "CRM", "De-escalation", "Chat Support", "Billing"},
     {"handled 60+ inbound calls a day with a 95% satisfaction score",
      "resolved billing disputes in Salesforce", "supported Spanish-speaking customers",
      "wrote knowledge-base articles for common issues"}},
    {"Electrician",
     {"NEC", "Conduit", "Blueprints", "Troubleshooting", "PLC", "Commercial Wiring", "Residential Wiring",
      "Safety"},
     {"installed commercial lighting and power systems to NEC code", "read blueprints and bent conduit",
      "troubleshot PLC-controlled production lines", "led a crew of three apprentices"}},
}};

constexpr std::array<std::string_view, 12> kClientWords = {"Acme",     "Northwind", "Globex",    "Initech",
                                                           "Umbrella", "Hooli",     "Vandelay",  "Stark",
                                                           "Wayne",    "Soylent",   "Cyberdyne", "Tyrell"};
constexpr std::array<std::string_view, 6> kClientSuffixes = {"Inc.",   "LLC",       "Corp",
                                                             "Health", "Logistics", "Holdings, Inc."};
constexpr std::array<std::string_view, 7> kIndustries = {
    "Technology", "Healthcare", "Finance", "Logistics", "Manufacturing", "Retail", "Construction"};
constexpr std::array<std::string_view, 6> kRecruiters = {"alex.kim", "b.osei", "carla.m",
                                                         "dan_r",    "eve.s",  "frank.t"};
constexpr std::array<std::string_view, 4> kSchools = {"State University", "Community College",
                                                      "Institute of Technology", "City College"};

// CSV field quoting: quote when the value holds a delimiter, quote or line break.
std::string Csv(std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(v);
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string JoinCsv(std::initializer_list<std::string> fields) {
  std::string line;
  bool first = true;
  for (const auto& f : fields) {
    if (!first) line += ',';
    line += Csv(f);
    first = false;
  }
  return line;
}

std::string AsciiLower(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c >= 'A' && c <= 'Z')
      out += static_cast<char>(c - 'A' + 'a');
    else if (static_cast<unsigned char>(c) < 0x80 && c != '\'' && c != ' ')
      out += c;
  }
  return out.empty() ? "user" : out;
}

// A date `days` after 2019-01-01, in one of the formats exports mix.
std::string Date(int64_t days, int style) {
  static constexpr int kDaysIn[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int year = 2019;
  for (;;) {
    int len = (year % 4 == 0) ? 366 : 365;
    if (days < len) break;
    days -= len;
    ++year;
  }
  int month = 0;
  for (;; ++month) {
    int len = kDaysIn[month] + ((month == 1 && year % 4 == 0) ? 1 : 0);
    if (days < len) break;
    days -= len;
  }
  int day = static_cast<int>(days) + 1;
  switch (style) {
    case 1: return fmt::format("{:02}/{:02}/{}", month + 1, day, year);
    case 2:
      return fmt::format("{}-{:02}-{:02}T{:02}:{:02}:00Z", year, month + 1, day, 8 + day % 10, day % 60);
    default: return fmt::format("{}-{:02}-{:02}", year, month + 1, day);
  }
}

std::string Phone(Dice& dice) {
  auto area = dice.Between(201, 989);
  auto mid = dice.Between(200, 999);
  auto last = dice.Between(0, 9999);
  switch (dice.Between(0, 5)) {
    case 0: return fmt::format("({}) {}-{:04}", area, mid, last);
    case 1: return fmt::format("{}.{}.{:04}", area, mid, last);
    case 2: return fmt::format("+1 {} {} {:04}", area, mid, last);
    case 3: return fmt::format("{}{}{:04}", area, mid, last);
    case 4: return "";
    default: return fmt::format("{}-{}-{:04} x{}", area, mid, last, dice.Between(10, 99));
  }
}

struct Candidate {
  std::string id;
  std::string first;
  std::string last;
  const Role* role;
  int years;
  Place place;
};

}  // namespace

Result<std::vector<DemoFile>> GenerateStaffingDemo(const DemoOptions& o) {
  if (o.candidates <= 0 || o.clients <= 0 || o.contracts <= 0 || o.placements <= 0) {
    return Status::InvalidArgument("demo counts must all be positive");
  }
  if (o.placements > 4 * o.candidates) {
    return Status::InvalidArgument("demo placements must be at most four times the number of candidates");
  }
  Dice dice(o.seed);
  const std::span<const std::string_view> first_names(kFirstNames);
  const std::span<const std::string_view> last_names(kLastNames);
  const std::span<const Place> places(kPlaces);
  const std::span<const Role> roles(kRoles);
  const std::span<const std::string_view> recruiters(kRecruiters);

  // Candidates: the ATS export. BOM + CRLF, as spreadsheet tools write them.
  std::vector<Candidate> candidates;
  std::string csv = "\xEF\xBB\xBF";
  csv +=
      "candidate_id,first_name,last_name,email,phone,city,state,zip,years_experience,desired_rate,skills,"
      "status,"
      "created_at\r\n";
  static constexpr std::string_view kStatuses[] = {"Active", "active",   "ACTIVE",
                                                   "Placed", "Inactive", "Do Not Contact"};
  for (int i = 0; i < o.candidates; ++i) {
    Candidate c;
    c.id = fmt::format("{:06}", 100 + i * 7);  // leading zeros that must survive ingest
    c.first = std::string(dice.Pick(first_names));
    c.last = std::string(dice.Pick(last_names));
    if (dice.Chance(2)) c.last += ", Jr.";
    c.role = &dice.Pick(roles);
    c.years = static_cast<int>(dice.Between(0, 25));
    c.place = dice.Pick(places);
    std::string email =
        fmt::format("{}.{}{}@{}", AsciiLower(c.first), AsciiLower(c.last), dice.Between(1, 99),
                    dice.Chance(50) ? "example.com" : "mail.example.org");
    if (dice.Chance(5))
      email = "";
    else if (dice.Chance(5))
      email = fmt::format("{}", email.substr(0, email.find('@')));  // typo: no domain
    else if (dice.Chance(10))
      email = fmt::format(" {} ", email);  // stray whitespace
    std::string zip(c.place.zip);
    if (dice.Chance(15)) zip += fmt::format("-{:04}", dice.Between(0, 9999));
    std::string years = std::to_string(c.years);
    if (dice.Chance(6))
      years = "N/A";
    else if (dice.Chance(4))
      years = "";
    else if (c.years >= 20 && dice.Chance(50))
      years = "20+";
    int rate = static_cast<int>(dice.Between(18, 120));
    std::string desired = dice.Chance(40)   ? fmt::format("${}/hr", rate)
                          : dice.Chance(50) ? fmt::format("{}.00", rate)
                                            : std::to_string(rate);
    std::string skills;
    const char* sep = dice.Chance(50) ? "; " : ", ";
    for (int k = 0, n = static_cast<int>(dice.Between(2, 5)); k < n; ++k) {
      if (k > 0) skills += sep;
      skills += c.role->skills[static_cast<size_t>(dice.Between(0, 7))];
    }
    std::string status(kStatuses[dice.Between(0, 5)]);
    std::string created = Date(dice.Between(0, 2400), static_cast<int>(dice.Between(0, 2)));
    std::string line = JoinCsv({c.id, c.first, c.last, email, Phone(dice), std::string(c.place.city),
                                std::string(c.place.state), zip, years, desired, skills, status, created});
    csv += line + "\r\n";
    if (dice.Chance(1)) csv += line + "\r\n";  // the duplicate rows real exports carry
    candidates.push_back(std::move(c));
  }

  // Resumes: free text, one JSON object per line.
  std::string resumes;
  for (const auto& c : candidates) {
    const Role& role = *c.role;
    const bool vowel = std::string_view("AEIOU").find(role.title.front()) != std::string_view::npos;
    std::string text =
        fmt::format("{} {}\n{}, {} | {} years of experience as {} {}.\n\nSUMMARY\n", c.first, c.last,
                    c.place.city, c.place.state, c.years, vowel ? "an" : "a", role.title);
    text += fmt::format("{} with a track record in {} and {}. ", role.title,
                        role.skills[static_cast<size_t>(dice.Between(0, 3))],
                        role.skills[static_cast<size_t>(dice.Between(4, 7))]);
    text +=
        dice.Chance(50) ? "Looking for a contract role close to home.\n" : "Open to relocation and travel.\n";
    text += "\nEXPERIENCE\n";
    for (int j = 0, n = static_cast<int>(dice.Between(1, 3)); j < n; ++j) {
      text += fmt::format("- {} at {} {} ({}-{}): {}.\n", role.title,
                          dice.Pick(std::span<const std::string_view>(kClientWords)),
                          dice.Pick(std::span<const std::string_view>(kClientSuffixes)),
                          2010 + dice.Between(0, 8), 2019 + dice.Between(0, 6),
                          role.duties[static_cast<size_t>(dice.Between(0, 3))]);
    }
    text += "\nSKILLS\n";
    for (size_t k = 0; k < role.skills.size(); ++k) {
      if (dice.Chance(60)) text += fmt::format("{}{}", k == 0 ? "" : ", ", role.skills[k]);
    }
    text += fmt::format("\n\nEDUCATION\n{} {}\n", dice.Chance(50) ? "B.S." : "Certificate,",
                        dice.Pick(std::span<const std::string_view>(kSchools)));
    Json row = {
        {"candidate_id", c.id}, {"resume_text", text}, {"updated_at", Date(dice.Between(1500, 2500), 0)}};
    resumes += ToJsonText(row) + "\n";
  }

  // Clients: the CRM's account list.
  std::string clients = "client_id,name,industry,city,state,account_manager,client_since\n";
  for (int i = 0; i < o.clients; ++i) {
    const Place& place = dice.Pick(places);
    clients += JoinCsv({fmt::format("CL-{:04}", i + 1),
                        fmt::format("{} {}", kClientWords[static_cast<size_t>(i) % kClientWords.size()],
                                    dice.Pick(std::span<const std::string_view>(kClientSuffixes))),
                        std::string(dice.Pick(std::span<const std::string_view>(kIndustries))),
                        std::string(place.city), std::string(place.state), std::string(dice.Pick(recruiters)),
                        Date(dice.Between(0, 1500), static_cast<int>(dice.Between(0, 1)))}) +
               "\n";
  }

  // Contracts: job orders from clients.
  std::string contracts = "contract_id,client_id,title,bill_rate,positions,start_date,end_date,status\n";
  std::vector<int> contract_rates;
  for (int i = 0; i < o.contracts; ++i) {
    const Role& role = dice.Pick(roles);
    int bill = static_cast<int>(dice.Between(35, 180));
    contract_rates.push_back(bill);
    int64_t start = dice.Between(300, 2300);
    bool open = dice.Chance(30);
    contracts +=
        JoinCsv({fmt::format("K{}", 5000 + i), fmt::format("CL-{:04}", dice.Between(1, o.clients)),
                 std::string(role.title), fmt::format("{}.00", bill), std::to_string(dice.Between(1, 6)),
                 Date(start, 0), open ? "" : Date(start + dice.Between(30, 365), 0),
                 open ? "open" : (dice.Chance(80) ? "closed" : "cancelled")}) +
        "\n";
  }

  // Placements: who worked where, at what pay.
  std::string placements =
      "placement_id,candidate_id,contract_id,start_date,end_date,pay_rate,bill_rate,recruiter\n";
  for (int i = 0; i < o.placements; ++i) {
    const Candidate& c = candidates[static_cast<size_t>(dice.Between(0, o.candidates - 1))];
    int contract = static_cast<int>(dice.Between(0, o.contracts - 1));
    int bill = contract_rates[static_cast<size_t>(contract)];
    int pay = bill * static_cast<int>(dice.Between(55, 75)) / 100;
    int64_t start = dice.Between(300, 2400);
    placements +=
        JoinCsv({fmt::format("P{:05}", i + 1), c.id, fmt::format("K{}", 5000 + contract),
                 Date(start, static_cast<int>(dice.Between(0, 1))),
                 dice.Chance(25) ? "" : Date(start + dice.Between(14, 400), 0), fmt::format("{}.00", pay),
                 fmt::format("{}.00", bill), std::string(dice.Pick(recruiters))}) +
        "\n";
  }

  return std::vector<DemoFile>{
      {"candidates", "candidates.csv", "csv",
       "Candidates exported from the ATS: contact details, location, skills.", std::move(csv)},
      {"resumes", "resumes.jsonl", "json", "Resume text of each candidate, one JSON object per line.",
       std::move(resumes)},
      {"clients", "clients.csv", "csv", "Client accounts from the CRM.", std::move(clients)},
      {"contracts", "contracts.csv", "csv", "Contracts (job orders) placed by clients, with bill rates.",
       std::move(contracts)},
      {"placements", "placements.csv", "csv",
       "Placements of candidates on contracts, with pay and bill rates.", std::move(placements)},
  };
}

Status WriteStaffingDemo(const std::vector<DemoFile>& files, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError(fmt::format("cannot create directory {}: {}", dir, ec.message()));
  for (const auto& file : files) {
    const std::string path = dir + "/" + file.file_name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(file.content.data(), static_cast<std::streamsize>(file.content.size()));
    out.close();
    if (!out) return Status::IOError(fmt::format("cannot write {}", path));
  }
  return Status::OK();
}

}  // namespace lakehouse::demo
