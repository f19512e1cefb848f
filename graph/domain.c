/*
 * domain.c - the domain taxonomy as three tables: field names, IPC prefixes
 * and bilingual keywords, each pointing at a domain. Edit the tables and
 * graph/README.md together.
 */
#include "graph/domain_int.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const struct domain_info domains[DOMAIN_COUNT] = {
    [D_MATERIALS] = {"materials", "材料", "Materials"},
    [D_METALLURGY] = {"metallurgy", "冶金", "Metallurgy"},
    [D_CHEMICALS] = {"chemicals", "化工", "Chemicals"},
    [D_PETROLEUM] = {"petroleum", "石油天然气", "Oil and gas"},
    [D_TEXTILES] = {"textiles", "纺织", "Textiles"},
    [D_FOOD] = {"food", "食品", "Food"},
    [D_AGRICULTURE] = {"agriculture", "农业", "Agriculture"},
    [D_FISHERIES] = {"fisheries", "水产", "Fisheries and aquaculture"},
    [D_ENERGY] = {"energy", "能源", "Energy and heat"},
    [D_ELECTRICAL] = {"electrical", "电气", "Electrical power"},
    [D_ELECTRONICS] = {"electronics", "电子信息", "Electronics and ICT"},
    [D_SOFTWARE_AI] = {"software-ai", "软件与人工智能", "Software and AI"},
    [D_MACHINERY] = {"machinery", "机械", "Machinery"},
    [D_AUTOMATION] = {"automation", "自动化", "Control and robotics"},
    [D_VEHICLES] = {"vehicles", "交通运输", "Vehicles and transport"},
    [D_MEDICINE] = {"medicine", "医药", "Medicine"},
    [D_BIOTECH] = {"biotech", "生物技术", "Biotechnology"},
    [D_ENVIRONMENT] = {"environment", "环境", "Environment"},
    [D_CONSTRUCTION] = {"construction", "建筑", "Construction"},
    [D_INSTRUMENTS] = {"instruments", "仪器检测", "Instruments and testing"},
    [D_SERVICES] = {"services", "服务业", "Services and administration"},
};

const struct domain_info *domain_get(unsigned i)
{
    return i < DOMAIN_COUNT ? &domains[i] : NULL;
}

int domain_find(const char *key)
{
    for (int i = 0; i < DOMAIN_COUNT; i++)
        if (strcasecmp(key, domains[i].key) == 0 ||
            strcmp(key, domains[i].zh) == 0)
            return i;
    return -1;
}

/*
 * The national discipline catalogue (学位授予和人才培养学科目录, 2011 with the
 * 2018 and 2022 revisions) down to first-level disciplines: code, Chinese
 * name, English name, domains. Every first-level discipline of 理学 (07),
 * 工学 (08), 农学 (09) and 医学 (10) is here, and of 交叉学科 (14) and
 * 管理学 (12) those with a technical home; the categories' own names too
 * where they point at one domain (农学, 医学). A field matches an entry
 * when it equals the Chinese or English name (Latin without case); a
 * field written as "A/B" (CSL's "地质学/地质资源与地质工程") takes the union
 * of its parts. graph/README.md gives the reasons for the less obvious
 * rows.
 */
static const struct {
    const char *code, *zh, *en;
    domain_mask m;
} discipline_table[] = {
    {"07", "理学", "Science", 0},
    {"0701", "数学", "Mathematics", B(D_SOFTWARE_AI)},
    {"0702", "物理学", "Physics", B(D_MATERIALS)},
    {"0703", "化学", "Chemistry", B(D_CHEMICALS)},
    {"0704", "天文学", "Astronomy", B(D_INSTRUMENTS)},
    {"0705", "地理学", "Geography", B(D_ENVIRONMENT)},
    {"0706", "大气科学", "Atmospheric Sciences", B(D_ENVIRONMENT)},
    {"0707", "海洋科学", "Marine Sciences", B(D_ENVIRONMENT)},
    {"0708", "地球物理学", "Geophysics", B(D_ENVIRONMENT)},
    {"0709", "地质学", "Geology", B(D_PETROLEUM) | B(D_METALLURGY)},
    {"0710", "生物学", "Biology", B(D_BIOTECH)},
    {"0711", "系统科学", "Systems Science", B(D_AUTOMATION)},
    {"0712", "科学技术史", "History of Science and Technology",
     B(D_INSTRUMENTS)},
    {"0713", "生态学", "Ecology", B(D_ENVIRONMENT)},
    {"0714", "统计学", "Statistics", B(D_SOFTWARE_AI)},
    {"08", "工学", "Engineering", 0},
    {"0801", "力学", "Mechanics", B(D_MACHINERY)},
    {"0802", "机械工程", "Mechanical Engineering", B(D_MACHINERY)},
    {"0803", "光学工程", "Optical Engineering", B(D_INSTRUMENTS)},
    {"0804", "仪器科学与技术", "Instrument Science and Technology",
     B(D_INSTRUMENTS)},
    {"0805", "材料科学与工程", "Materials Science and Engineering",
     B(D_MATERIALS)},
    {"0806", "冶金工程", "Metallurgical Engineering", B(D_METALLURGY)},
    {"0807", "动力工程及工程热物理",
     "Power Engineering and Engineering Thermophysics", B(D_ENERGY)},
    {"0808", "电气工程", "Electrical Engineering", B(D_ELECTRICAL)},
    {"0809", "电子科学与技术", "Electronic Science and Technology",
     B(D_ELECTRONICS)},
    {"0810", "信息与通信工程", "Information and Communication Engineering",
     B(D_ELECTRONICS)},
    {"0811", "控制科学与工程", "Control Science and Engineering",
     B(D_AUTOMATION)},
    {"0812", "计算机科学与技术", "Computer Science and Technology",
     B(D_SOFTWARE_AI)},
    {"0813", "建筑学", "Architecture", B(D_CONSTRUCTION)},
    {"0814", "土木工程", "Civil Engineering", B(D_CONSTRUCTION)},
    {"0815", "水利工程", "Hydraulic Engineering", B(D_CONSTRUCTION)},
    {"0816", "测绘科学与技术", "Surveying and Mapping", B(D_INSTRUMENTS)},
    {"0817", "化学工程与技术", "Chemical Engineering and Technology",
     B(D_CHEMICALS)},
    {"0818", "地质资源与地质工程",
     "Geological Resources and Geological Engineering",
     B(D_PETROLEUM) | B(D_METALLURGY)},
    {"0819", "矿业工程", "Mining Engineering", B(D_METALLURGY)},
    {"0820", "石油与天然气工程", "Oil and Natural Gas Engineering",
     B(D_PETROLEUM)},
    {"0821", "纺织科学与工程", "Textile Science and Engineering",
     B(D_TEXTILES)},
    {"0822", "轻工技术与工程", "Light Industry Technology and Engineering",
     B(D_TEXTILES)},
    {"0823", "交通运输工程", "Transportation Engineering", B(D_VEHICLES)},
    {"0824", "船舶与海洋工程", "Naval Architecture and Ocean Engineering",
     B(D_VEHICLES)},
    {"0825", "航空宇航科学与技术",
     "Aeronautical and Astronautical Science "
     "and Technology",
     B(D_VEHICLES)},
    {"0826", "兵器科学与技术", "Armament Science and Technology",
     B(D_MACHINERY)},
    {"0827", "核科学与技术", "Nuclear Science and Technology", B(D_ENERGY)},
    {"0828", "农业工程", "Agricultural Engineering", B(D_AGRICULTURE)},
    {"0829", "林业工程", "Forestry Engineering", B(D_AGRICULTURE)},
    {"0830", "环境科学与工程", "Environmental Science and Engineering",
     B(D_ENVIRONMENT)},
    {"0831", "生物医学工程", "Biomedical Engineering", B(D_MEDICINE)},
    {"0832", "食品科学与工程", "Food Science and Engineering", B(D_FOOD)},
    {"0833", "城乡规划学", "Urban and Rural Planning", B(D_CONSTRUCTION)},
    {"0834", "风景园林学", "Landscape Architecture", B(D_CONSTRUCTION)},
    {"0835", "软件工程", "Software Engineering", B(D_SOFTWARE_AI)},
    {"0836", "生物工程", "Bioengineering", B(D_BIOTECH)},
    {"0837", "安全科学与工程", "Safety Science and Engineering",
     B(D_ENVIRONMENT)},
    {"0838", "公安技术", "Public Security Technology", B(D_INSTRUMENTS)},
    {"0839", "网络空间安全", "Cyberspace Security", B(D_SOFTWARE_AI)},
    {"09", "农学", "Agriculture", B(D_AGRICULTURE)},
    {"0901", "作物学", "Crop Science", B(D_AGRICULTURE)},
    {"0902", "园艺学", "Horticulture", B(D_AGRICULTURE)},
    {"0903", "农业资源与环境", "Agricultural Resources and Environment",
     B(D_AGRICULTURE)},
    {"0903", "农业资源利用", "Agricultural Resource Utilization",
     B(D_AGRICULTURE)},
    {"0904", "植物保护", "Plant Protection", B(D_AGRICULTURE)},
    {"0905", "畜牧学", "Animal Science", B(D_AGRICULTURE)},
    {"0906", "兽医学", "Veterinary Medicine", B(D_AGRICULTURE)},
    {"0907", "林学", "Forestry", B(D_AGRICULTURE)},
    {"0908", "水产", "Fisheries", B(D_FISHERIES)},
    {"0909", "草学", "Grassland Science", B(D_AGRICULTURE)},
    {"0910", "水土保持与荒漠化防治学",
     "Soil and Water Conservation and Desertification Control",
     B(D_ENVIRONMENT)},
    {"10", "医学", "Medicine", B(D_MEDICINE)},
    {"1001", "基础医学", "Basic Medicine", B(D_MEDICINE)},
    {"1002", "临床医学", "Clinical Medicine", B(D_MEDICINE)},
    {"1003", "口腔医学", "Stomatology", B(D_MEDICINE)},
    {"1004", "公共卫生与预防医学", "Public Health and Preventive Medicine",
     B(D_MEDICINE)},
    {"1005", "中医学", "Chinese Medicine", B(D_MEDICINE)},
    {"1006", "中西医结合",
     "Integrated Traditional Chinese and Western Medicine", B(D_MEDICINE)},
    {"1007", "药学", "Pharmacy", B(D_MEDICINE)},
    {"1008", "中药学", "Chinese Materia Medica", B(D_MEDICINE)},
    {"1009", "特种医学", "Special Medicine", B(D_MEDICINE)},
    {"1010", "医学技术", "Medical Technology", B(D_MEDICINE)},
    {"1011", "护理学", "Nursing", B(D_MEDICINE)},
    {"1012", "法医学", "Forensic Medicine", B(D_MEDICINE)},
    {"1201", "管理科学与工程", "Management Science and Engineering",
     B(D_SOFTWARE_AI)},
    {"1203", "农林经济管理",
     "Agricultural and Forestry Economics and "
     "Management",
     B(D_AGRICULTURE)},
    {"1401", "集成电路科学与工程", "Integrated Circuit Science and Engineering",
     B(D_ELECTRONICS)},
    {"1405", "智能科学与技术", "Intelligence Science and Technology",
     B(D_SOFTWARE_AI)},
    {"1406", "纳米科学与工程", "Nanoscience and Engineering", B(D_MATERIALS)},
    {"1408", "遥感科学与技术", "Remote Sensing Science and Technology",
     B(D_INSTRUMENTS)},
};

/* Free-form field names that are not catalogue names ("Metallurgy",
 * "materials science"): a field belongs to every entry whose text it
 * contains (Latin compared without case). */
static const struct {
    const char *name;
    domain_mask m;
} field_table[] = {
    {"材料", B(D_MATERIALS)},
    {"冶金", B(D_METALLURGY)},
    {"矿业", B(D_METALLURGY)},
    {"化学", B(D_CHEMICALS)},
    {"化工", B(D_CHEMICALS)},
    {"石油", B(D_PETROLEUM)},
    {"天然气", B(D_PETROLEUM)},
    {"纺织", B(D_TEXTILES)},
    {"轻工", B(D_TEXTILES)},
    {"食品", B(D_FOOD)},
    {"作物", B(D_AGRICULTURE)},
    {"园艺", B(D_AGRICULTURE)},
    {"农业", B(D_AGRICULTURE)},
    {"农学", B(D_AGRICULTURE)},
    {"畜牧", B(D_AGRICULTURE)},
    {"植物保护", B(D_AGRICULTURE)},
    {"林学", B(D_AGRICULTURE)},
    {"水产", B(D_FISHERIES)},
    {"动力工程", B(D_ENERGY)},
    {"工程热物理", B(D_ENERGY)},
    {"能源", B(D_ENERGY)},
    {"电气", B(D_ELECTRICAL)},
    {"电子", B(D_ELECTRONICS)},
    {"信息与通信", B(D_ELECTRONICS)},
    {"计算机", B(D_SOFTWARE_AI)},
    {"软件", B(D_SOFTWARE_AI)},
    {"人工智能", B(D_SOFTWARE_AI)},
    {"机械", B(D_MACHINERY)},
    {"控制科学", B(D_AUTOMATION)},
    {"自动化", B(D_AUTOMATION)},
    {"交通运输", B(D_VEHICLES)},
    {"车辆", B(D_VEHICLES)},
    {"船舶", B(D_VEHICLES)},
    {"航空", B(D_VEHICLES)},
    {"药学", B(D_MEDICINE)},
    {"医学", B(D_MEDICINE)},
    {"中药", B(D_MEDICINE)},
    {"生物工程", B(D_BIOTECH)},
    {"生物学", B(D_BIOTECH)},
    {"生物技术", B(D_BIOTECH)},
    {"环境", B(D_ENVIRONMENT)},
    {"土木", B(D_CONSTRUCTION)},
    {"建筑", B(D_CONSTRUCTION)},
    {"水利", B(D_CONSTRUCTION)},
    {"仪器", B(D_INSTRUMENTS)},
    {"测控", B(D_INSTRUMENTS)},
    {"materials", B(D_MATERIALS)},
    {"metallurg", B(D_METALLURGY)},
    {"mining", B(D_METALLURGY)},
    {"chemi", B(D_CHEMICALS)},
    {"petroleum", B(D_PETROLEUM)},
    {"oil and gas", B(D_PETROLEUM)},
    {"textile", B(D_TEXTILES)},
    {"food", B(D_FOOD)},
    {"agricultur", B(D_AGRICULTURE)},
    {"agronom", B(D_AGRICULTURE)},
    {"horticultur", B(D_AGRICULTURE)},
    {"crop", B(D_AGRICULTURE)},
    {"animal science", B(D_AGRICULTURE)},
    {"fisher", B(D_FISHERIES)},
    {"aquacultur", B(D_FISHERIES)},
    {"power engineering", B(D_ENERGY)},
    {"energy", B(D_ENERGY)},
    {"thermal", B(D_ENERGY)},
    {"electrical", B(D_ELECTRICAL)},
    {"electronic", B(D_ELECTRONICS)},
    {"communication", B(D_ELECTRONICS)},
    {"computer", B(D_SOFTWARE_AI)},
    {"software", B(D_SOFTWARE_AI)},
    {"artificial intelligence", B(D_SOFTWARE_AI)},
    {"machine learning", B(D_SOFTWARE_AI)},
    {"mechanical", B(D_MACHINERY)},
    {"control", B(D_AUTOMATION)},
    {"robotic", B(D_AUTOMATION)},
    {"automation", B(D_AUTOMATION)},
    {"vehicle", B(D_VEHICLES)},
    {"automotive", B(D_VEHICLES)},
    {"transport", B(D_VEHICLES)},
    {"pharma", B(D_MEDICINE)},
    {"medic", B(D_MEDICINE)},
    {"bioengineering", B(D_BIOTECH)},
    {"biotechnolog", B(D_BIOTECH)},
    {"biolog", B(D_BIOTECH)},
    {"environment", B(D_ENVIRONMENT)},
    {"civil engineering", B(D_CONSTRUCTION)},
    {"construction", B(D_CONSTRUCTION)},
    {"instrument", B(D_INSTRUMENTS)},
    {"measurement", B(D_INSTRUMENTS)},
};

/*
 * IPC, by one rule: a code takes the domain of the longest prefix below.
 * Every section has a default (A agriculture, B machinery, C chemicals,
 * D textiles, E construction, F machinery, G instruments, H electronics),
 * every class of the IPC (2024.01) has an entry, and subclasses or groups
 * that belong elsewhere than their class are overrides. So every subclass
 * maps: by its own override, else its class, else its section. Spaces are
 * ignored when comparing ("B23K9" = "B23K 9").
 */
static const struct {
    const char *prefix;
    domain_mask m;
} ipc_table[] = {
    /* sections */
    {"A", B(D_AGRICULTURE)},
    {"B", B(D_MACHINERY)},
    {"C", B(D_CHEMICALS)},
    {"D", B(D_TEXTILES)},
    {"E", B(D_CONSTRUCTION)},
    {"F", B(D_MACHINERY)},
    {"G", B(D_INSTRUMENTS)},
    {"H", B(D_ELECTRONICS)},
    /* A: human necessities */
    {"A01", B(D_AGRICULTURE)},
    {"A21", B(D_FOOD)},
    {"A22", B(D_FOOD)},
    {"A23", B(D_FOOD)},
    {"A24", B(D_FOOD)},
    {"A41", B(D_TEXTILES)},
    {"A42", B(D_TEXTILES)},
    {"A43", B(D_TEXTILES)},
    {"A44", B(D_TEXTILES)},
    {"A45", B(D_MACHINERY)},
    {"A46", B(D_MACHINERY)},
    {"A47", B(D_MACHINERY)},
    {"A61", B(D_MEDICINE)},
    {"A62", B(D_MEDICINE)},
    {"A63", B(D_MACHINERY)},
    {"A99", B(D_AGRICULTURE)},
    /* B: performing operations, transporting */
    {"B01", B(D_CHEMICALS)},
    {"B02", B(D_MACHINERY)},
    {"B03", B(D_METALLURGY)},
    {"B04", B(D_MACHINERY)},
    {"B05", B(D_MATERIALS)},
    {"B06", B(D_MACHINERY)},
    {"B07", B(D_MACHINERY)},
    {"B08", B(D_MACHINERY)},
    {"B09", B(D_ENVIRONMENT)},
    {"B21", B(D_MACHINERY)},
    {"B22", B(D_METALLURGY)},
    {"B23", B(D_MACHINERY)},
    {"B24", B(D_MACHINERY)},
    {"B25", B(D_MACHINERY)},
    {"B26", B(D_MACHINERY)},
    {"B27", B(D_MACHINERY)},
    {"B28", B(D_CONSTRUCTION)},
    {"B29", B(D_MATERIALS)},
    {"B30", B(D_MACHINERY)},
    {"B31", B(D_MATERIALS)},
    {"B32", B(D_MATERIALS)},
    {"B33", B(D_MACHINERY)},
    {"B41", B(D_MACHINERY)},
    {"B42", B(D_MACHINERY)},
    {"B43", B(D_MACHINERY)},
    {"B44", B(D_MACHINERY)},
    {"B60", B(D_VEHICLES)},
    {"B61", B(D_VEHICLES)},
    {"B62", B(D_VEHICLES)},
    {"B63", B(D_VEHICLES)},
    {"B64", B(D_VEHICLES)},
    {"B65", B(D_MACHINERY)},
    {"B66", B(D_MACHINERY)},
    {"B67", B(D_MACHINERY)},
    {"B68", B(D_MACHINERY)},
    {"B81", B(D_ELECTRONICS)},
    {"B82", B(D_MATERIALS)},
    {"B99", B(D_MACHINERY)},
    /* C: chemistry, metallurgy */
    {"C01", B(D_CHEMICALS)},
    {"C02", B(D_ENVIRONMENT)},
    {"C03", B(D_MATERIALS)},
    {"C04", B(D_MATERIALS)},
    {"C05", B(D_AGRICULTURE)},
    {"C06", B(D_CHEMICALS)},
    {"C07", B(D_CHEMICALS)},
    {"C08", B(D_MATERIALS)},
    {"C09", B(D_CHEMICALS)},
    {"C10", B(D_PETROLEUM)},
    {"C11", B(D_CHEMICALS)},
    {"C12", B(D_BIOTECH)},
    {"C13", B(D_FOOD)},
    {"C14", B(D_TEXTILES)},
    {"C21", B(D_METALLURGY)},
    {"C22", B(D_METALLURGY)},
    {"C23", B(D_MATERIALS)},
    {"C25", B(D_MATERIALS)},
    {"C30", B(D_MATERIALS)},
    {"C40", B(D_BIOTECH)},
    {"C99", B(D_CHEMICALS)},
    /* D: textiles, paper */
    {"D01", B(D_TEXTILES)},
    {"D02", B(D_TEXTILES)},
    {"D03", B(D_TEXTILES)},
    {"D04", B(D_TEXTILES)},
    {"D05", B(D_TEXTILES)},
    {"D06", B(D_TEXTILES)},
    {"D07", B(D_TEXTILES)},
    {"D10", B(D_TEXTILES)},
    {"D21", B(D_MATERIALS)},
    {"D99", B(D_TEXTILES)},
    /* E: fixed constructions */
    {"E01", B(D_CONSTRUCTION)},
    {"E02", B(D_CONSTRUCTION)},
    {"E03", B(D_CONSTRUCTION)},
    {"E04", B(D_CONSTRUCTION)},
    {"E05", B(D_CONSTRUCTION)},
    {"E06", B(D_CONSTRUCTION)},
    {"E21", B(D_PETROLEUM)},
    {"E99", B(D_CONSTRUCTION)},
    /* F: mechanical engineering, lighting, heating, weapons, blasting */
    {"F01", B(D_MACHINERY)},
    {"F02", B(D_VEHICLES)},
    {"F03", B(D_ENERGY)},
    {"F04", B(D_MACHINERY)},
    {"F15", B(D_MACHINERY)},
    {"F16", B(D_MACHINERY)},
    {"F17", B(D_ENERGY)},
    {"F21", B(D_ELECTRICAL)},
    {"F22", B(D_ENERGY)},
    {"F23", B(D_ENERGY)},
    {"F24", B(D_ENERGY)},
    {"F25", B(D_ENERGY)},
    {"F26", B(D_ENERGY)},
    {"F27", B(D_METALLURGY)},
    {"F28", B(D_ENERGY)},
    {"F41", B(D_MACHINERY)},
    {"F42", B(D_MACHINERY)},
    {"F99", B(D_MACHINERY)},
    /* G: physics */
    {"G01", B(D_INSTRUMENTS)},
    {"G02", B(D_INSTRUMENTS)},
    {"G03", B(D_INSTRUMENTS)},
    {"G04", B(D_INSTRUMENTS)},
    {"G05", B(D_AUTOMATION)},
    {"G06", B(D_SOFTWARE_AI)},
    {"G07", B(D_ELECTRONICS)},
    {"G08", B(D_ELECTRONICS)},
    {"G09", B(D_ELECTRONICS)},
    {"G10", B(D_ELECTRONICS)},
    {"G11", B(D_ELECTRONICS)},
    {"G12", B(D_INSTRUMENTS)},
    {"G16", B(D_SOFTWARE_AI)},
    {"G21", B(D_ENERGY)},
    {"G99", B(D_INSTRUMENTS)},
    /* H: electricity */
    {"H01", B(D_ELECTRONICS)},
    {"H02", B(D_ELECTRICAL)},
    {"H03", B(D_ELECTRONICS)},
    {"H04", B(D_ELECTRONICS)},
    {"H05", B(D_ELECTRONICS)},
    {"H10", B(D_ELECTRONICS)},
    {"H99", B(D_ELECTRONICS)},
    /* overrides: subclasses and groups placed apart from their class */
    {"A01K61", B(D_FISHERIES)},
    {"A01K63", B(D_FISHERIES)},
    {"A01K69", B(D_FISHERIES)},
    {"A01K71", B(D_FISHERIES)},
    {"A01K73", B(D_FISHERIES)},
    {"A01K74", B(D_FISHERIES)},
    {"A01K75", B(D_FISHERIES)},
    {"A01K77", B(D_FISHERIES)},
    {"A01K79", B(D_FISHERIES)},
    {"A01K80", B(D_FISHERIES)},
    {"A23K", B(D_AGRICULTURE)},
    {"A62D", B(D_ENVIRONMENT)},
    {"B01D53", B(D_ENVIRONMENT)},
    {"B21C", B(D_METALLURGY)},
    {"B25J", B(D_AUTOMATION)},
    {"C07K", B(D_BIOTECH)},
    {"C09K17", B(D_AGRICULTURE)},
    {"C10L", B(D_ENERGY)},
    {"C25C", B(D_METALLURGY)},
    {"E21C", B(D_METALLURGY)},
    {"E21D", B(D_CONSTRUCTION)},
    {"E21F", B(D_METALLURGY)},
    {"F01K", B(D_ENERGY)},
    {"F23G", B(D_ENVIRONMENT)},
    {"H01B", B(D_ELECTRICAL)},
    {"H01F", B(D_ELECTRICAL)},
    {"H01H", B(D_ELECTRICAL)},
    {"H01M", B(D_ENERGY)},
    {"H02S", B(D_ENERGY)},
    {"Y02", B(D_ENVIRONMENT)},
};

/* Keywords for text: Chinese ones match anywhere, English ones at the start
 * of a word (so "weld" finds "welding"), both without case. */
static const struct {
    int d;
    const char *kw;
} kw_table[] = {
    {D_MATERIALS, "材料"},
    {D_MATERIALS, "涂层"},
    {D_MATERIALS, "复合材料"},
    {D_MATERIALS, "高分子"},
    {D_MATERIALS, "陶瓷"},
    {D_MATERIALS, "纳米"},
    {D_MATERIALS, "聚合物"},
    {D_MATERIALS, "腐蚀"},
    {D_MATERIALS, "material"},
    {D_MATERIALS, "coating"},
    {D_MATERIALS, "composite"},
    {D_MATERIALS, "polymer"},
    {D_MATERIALS, "ceramic"},
    {D_MATERIALS, "corrosion"},
    {D_MATERIALS, "nanopart"},
    {D_METALLURGY, "冶金"},
    {D_METALLURGY, "冶炼"},
    {D_METALLURGY, "熔炼"},
    {D_METALLURGY, "熔铸"},
    {D_METALLURGY, "铝合金"},
    {D_METALLURGY, "合金"},
    {D_METALLURGY, "铸造"},
    {D_METALLURGY, "氧化铝"},
    {D_METALLURGY, "钢"},
    {D_METALLURGY, "热处理"},
    {D_METALLURGY, "alloy"},
    {D_METALLURGY, "alumin"},
    {D_METALLURGY, "smelt"},
    {D_METALLURGY, "casting"},
    {D_METALLURGY, "steel"},
    {D_METALLURGY, "metallurg"},
    {D_CHEMICALS, "化工"},
    {D_CHEMICALS, "催化"},
    {D_CHEMICALS, "合成"},
    {D_CHEMICALS, "反应釜"},
    {D_CHEMICALS, "萃取"},
    {D_CHEMICALS, "精馏"},
    {D_CHEMICALS, "chemical"},
    {D_CHEMICALS, "cataly"},
    {D_CHEMICALS, "synthesis"},
    {D_CHEMICALS, "reactor"},
    {D_CHEMICALS, "solvent"},
    {D_PETROLEUM, "石油"},
    {D_PETROLEUM, "炼油"},
    {D_PETROLEUM, "炼化"},
    {D_PETROLEUM, "原油"},
    {D_PETROLEUM, "汽油"},
    {D_PETROLEUM, "油田"},
    {D_PETROLEUM, "催化裂化"},
    {D_PETROLEUM, "petroleum"},
    {D_PETROLEUM, "refiner"},
    {D_PETROLEUM, "crude oil"},
    {D_PETROLEUM, "gasoline"},
    {D_PETROLEUM, "oilfield"},
    {D_TEXTILES, "纺织"},
    {D_TEXTILES, "印染"},
    {D_TEXTILES, "染色"},
    {D_TEXTILES, "纱线"},
    {D_TEXTILES, "纤维"},
    {D_TEXTILES, "织物"},
    {D_TEXTILES, "棉"},
    {D_TEXTILES, "textile"},
    {D_TEXTILES, "fabric"},
    {D_TEXTILES, "yarn"},
    {D_TEXTILES, "dyeing"},
    {D_TEXTILES, "fibre"},
    {D_TEXTILES, "fiber"},
    {D_TEXTILES, "cotton"},
    {D_FOOD, "食品"},
    {D_FOOD, "面粉"},
    {D_FOOD, "保鲜"},
    {D_FOOD, "贮藏"},
    {D_FOOD, "冷链"},
    {D_FOOD, "肉"},
    {D_FOOD, "发酵"},
    {D_FOOD, "food"},
    {D_FOOD, "flour"},
    {D_FOOD, "noodle"},
    {D_FOOD, "meat"},
    {D_FOOD, "storage life"},
    {D_FOOD, "shelf life"},
    {D_FOOD, "cold chain"},
    {D_AGRICULTURE, "农业"},
    {D_AGRICULTURE, "种植"},
    {D_AGRICULTURE, "小麦"},
    {D_AGRICULTURE, "玉米"},
    {D_AGRICULTURE, "土壤"},
    {D_AGRICULTURE, "盐碱地"},
    {D_AGRICULTURE, "施肥"},
    {D_AGRICULTURE, "果树"},
    {D_AGRICULTURE, "育种"},
    {D_AGRICULTURE, "agricultur"},
    {D_AGRICULTURE, "crop"},
    {D_AGRICULTURE, "wheat"},
    {D_AGRICULTURE, "soil"},
    {D_AGRICULTURE, "saline"},
    {D_AGRICULTURE, "fertili"},
    {D_AGRICULTURE, "cultivar"},
    {D_FISHERIES, "水产"},
    {D_FISHERIES, "养殖"},
    {D_FISHERIES, "对虾"},
    {D_FISHERIES, "鱼"},
    {D_FISHERIES, "网箱"},
    {D_FISHERIES, "池塘"},
    {D_FISHERIES, "aquacultur"},
    {D_FISHERIES, "fisher"},
    {D_FISHERIES, "shrimp"},
    {D_FISHERIES, "fish"},
    {D_ENERGY, "能源"},
    {D_ENERGY, "节能"},
    {D_ENERGY, "余热"},
    {D_ENERGY, "储热"},
    {D_ENERGY, "换热"},
    {D_ENERGY, "光伏"},
    {D_ENERGY, "氢"},
    {D_ENERGY, "燃料电池"},
    {D_ENERGY, "锅炉"},
    {D_ENERGY, "热泵"},
    {D_ENERGY, "天然气"},
    {D_ENERGY, "energy"},
    {D_ENERGY, "waste heat"},
    {D_ENERGY, "heat exchang"},
    {D_ENERGY, "heat pump"},
    {D_ENERGY, "photovoltaic"},
    {D_ENERGY, "hydrogen"},
    {D_ENERGY, "fuel cell"},
    {D_ENERGY, "thermal storage"},
    {D_ELECTRICAL, "电气"},
    {D_ELECTRICAL, "电网"},
    {D_ELECTRICAL, "变压器"},
    {D_ELECTRICAL, "电机"},
    {D_ELECTRICAL, "逆变器"},
    {D_ELECTRICAL, "输电"},
    {D_ELECTRICAL, "electrical"},
    {D_ELECTRICAL, "power grid"},
    {D_ELECTRICAL, "inverter"},
    {D_ELECTRICAL, "transformer"},
    {D_ELECTRICAL, "motor"},
    {D_ELECTRONICS, "电子"},
    {D_ELECTRONICS, "芯片"},
    {D_ELECTRONICS, "半导体"},
    {D_ELECTRONICS, "通信"},
    {D_ELECTRONICS, "物联网"},
    {D_ELECTRONICS, "无线"},
    {D_ELECTRONICS, "electronic"},
    {D_ELECTRONICS, "semiconductor"},
    {D_ELECTRONICS, "wireless"},
    {D_ELECTRONICS, "internet of things"},
    {D_ELECTRONICS, "iot"},
    {D_SOFTWARE_AI, "软件"},
    {D_SOFTWARE_AI, "算法"},
    {D_SOFTWARE_AI, "深度学习"},
    {D_SOFTWARE_AI, "机器学习"},
    {D_SOFTWARE_AI, "人工智能"},
    {D_SOFTWARE_AI, "神经网络"},
    {D_SOFTWARE_AI, "机器视觉"},
    {D_SOFTWARE_AI, "图像识别"},
    {D_SOFTWARE_AI, "大数据"},
    {D_SOFTWARE_AI, "software"},
    {D_SOFTWARE_AI, "algorithm"},
    {D_SOFTWARE_AI, "deep learning"},
    {D_SOFTWARE_AI, "machine learning"},
    {D_SOFTWARE_AI, "neural network"},
    {D_SOFTWARE_AI, "computer vision"},
    {D_SOFTWARE_AI, "language model"},
    {D_SOFTWARE_AI, "artificial intelligence"},
    {D_MACHINERY, "机械"},
    {D_MACHINERY, "机床"},
    {D_MACHINERY, "轴承"},
    {D_MACHINERY, "液压"},
    {D_MACHINERY, "焊接"},
    {D_MACHINERY, "磨削"},
    {D_MACHINERY, "加工中心"},
    {D_MACHINERY, "泵"},
    {D_MACHINERY, "齿轮"},
    {D_MACHINERY, "模具"},
    {D_MACHINERY, "machine tool"},
    {D_MACHINERY, "bearing"},
    {D_MACHINERY, "hydraulic"},
    {D_MACHINERY, "weld"},
    {D_MACHINERY, "grinding"},
    {D_MACHINERY, "machining"},
    {D_MACHINERY, "pump"},
    {D_MACHINERY, "gear"},
    {D_AUTOMATION, "自动化"},
    {D_AUTOMATION, "机器人"},
    {D_AUTOMATION, "控制系统"},
    {D_AUTOMATION, "自动控制"},
    {D_AUTOMATION, "无人值守"},
    {D_AUTOMATION, "automation"},
    {D_AUTOMATION, "robot"},
    {D_AUTOMATION, "control system"},
    {D_AUTOMATION, "plc"},
    {D_VEHICLES, "汽车"},
    {D_VEHICLES, "车辆"},
    {D_VEHICLES, "新能源车"},
    {D_VEHICLES, "车轮"},
    {D_VEHICLES, "船舶"},
    {D_VEHICLES, "vehicle"},
    {D_VEHICLES, "automotive"},
    {D_VEHICLES, "wheel"},
    {D_VEHICLES, "railway"},
    {D_VEHICLES, "ship"},
    {D_MEDICINE, "医药"},
    {D_MEDICINE, "药物"},
    {D_MEDICINE, "医疗器械"},
    {D_MEDICINE, "临床"},
    {D_MEDICINE, "敷料"},
    {D_MEDICINE, "创面"},
    {D_MEDICINE, "患者"},
    {D_MEDICINE, "pharma"},
    {D_MEDICINE, "drug"},
    {D_MEDICINE, "clinical"},
    {D_MEDICINE, "medical"},
    {D_MEDICINE, "wound"},
    {D_MEDICINE, "patient"},
    {D_BIOTECH, "生物"},
    {D_BIOTECH, "微生物"},
    {D_BIOTECH, "酶"},
    {D_BIOTECH, "菌株"},
    {D_BIOTECH, "基因"},
    {D_BIOTECH, "蛋白"},
    {D_BIOTECH, "biotech"},
    {D_BIOTECH, "microb"},
    {D_BIOTECH, "enzym"},
    {D_BIOTECH, "genetic"},
    {D_BIOTECH, "genom"},
    {D_BIOTECH, "protein"},
    {D_ENVIRONMENT, "环境"},
    {D_ENVIRONMENT, "环保"},
    {D_ENVIRONMENT, "废水"},
    {D_ENVIRONMENT, "污水"},
    {D_ENVIRONMENT, "废气"},
    {D_ENVIRONMENT, "固废"},
    {D_ENVIRONMENT, "危废"},
    {D_ENVIRONMENT, "污染"},
    {D_ENVIRONMENT, "排放"},
    {D_ENVIRONMENT, "environment"},
    {D_ENVIRONMENT, "wastewater"},
    {D_ENVIRONMENT, "effluent"},
    {D_ENVIRONMENT, "pollut"},
    {D_ENVIRONMENT, "emission"},
    {D_ENVIRONMENT, "solid waste"},
    {D_CONSTRUCTION, "建筑"},
    {D_CONSTRUCTION, "建材"},
    {D_CONSTRUCTION, "混凝土"},
    {D_CONSTRUCTION, "水泥"},
    {D_CONSTRUCTION, "道路"},
    {D_CONSTRUCTION, "桥梁"},
    {D_CONSTRUCTION, "桩基"},
    {D_CONSTRUCTION, "building"},
    {D_CONSTRUCTION, "concrete"},
    {D_CONSTRUCTION, "cement"},
    {D_CONSTRUCTION, "road"},
    {D_CONSTRUCTION, "bridge"},
    {D_INSTRUMENTS, "检测"},
    {D_INSTRUMENTS, "传感器"},
    {D_INSTRUMENTS, "监测"},
    {D_INSTRUMENTS, "无损检测"},
    {D_INSTRUMENTS, "光谱"},
    {D_INSTRUMENTS, "探伤"},
    {D_INSTRUMENTS, "测量"},
    {D_INSTRUMENTS, "sensor"},
    {D_INSTRUMENTS, "inspection"},
    {D_INSTRUMENTS, "monitoring"},
    {D_INSTRUMENTS, "spectroscop"},
    {D_INSTRUMENTS, "non-destructive"},
    {D_INSTRUMENTS, "measurement"},
};

/* Case-insensitive (ASCII) search for needle in hay[0..n); when word is
 * set, a needle that starts with a Latin letter or digit must start a
 * word. */
static bool contains(const char *hay, size_t n, const char *needle, bool word)
{
    size_t m = strlen(needle);
    if (m == 0 || m > n)
        return false;
    word = word && isalnum((unsigned char)needle[0]);
    for (size_t i = 0; i + m <= n; i++) {
        if (word && i > 0 && isalnum((unsigned char)hay[i - 1]))
            continue;
        if (strncasecmp(hay + i, needle, m) == 0)
            return true;
    }
    return false;
}

/* Whether s[0..n), without surrounding spaces, equals the catalogue name
 * (Latin compared without case); sets *m to its domains when it does. */
static bool catalogue_lookup(const char *s, size_t n, domain_mask *m)
{
    while (n && isspace((unsigned char)*s))
        s++, n--;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    for (size_t i = 0; i < sizeof discipline_table / sizeof *discipline_table;
         i++) {
        const char *zh = discipline_table[i].zh, *en = discipline_table[i].en;
        if ((strlen(zh) == n && memcmp(s, zh, n) == 0) ||
            (strlen(en) == n && strncasecmp(s, en, n) == 0) ||
            (strlen(discipline_table[i].code) == n &&
             memcmp(s, discipline_table[i].code, n) == 0)) {
            *m = discipline_table[i].m;
            return true;
        }
    }
    return false;
}

/* Whether s names a category of the catalogue (a two-digit code). */
static bool is_category(const char *s)
{
    for (size_t i = 0; i < sizeof discipline_table / sizeof *discipline_table;
         i++)
        if (strlen(discipline_table[i].code) == 2 &&
            (strcmp(s, discipline_table[i].zh) == 0 ||
             strcasecmp(s, discipline_table[i].en) == 0))
            return true;
    return false;
}

/* The domains of one field name: the catalogue entry it names, else every
 * free-form rule and every industry (domain_tables.c) whose name it
 * contains. */
static domain_mask field_part(const char *s, size_t n)
{
    domain_mask m = 0;
    if (catalogue_lookup(s, n, &m))
        return m;
    for (size_t i = 0; i < sizeof field_table / sizeof field_table[0]; i++)
        if (contains(s, n, field_table[i].name, true))
            m |= field_table[i].m;
    for (size_t i = 0; i < domain_industry_count; i++)
        if (contains(s, n, domain_industry_table[i].name, true))
            m |= domain_industry_table[i].m;
    return m;
}

domain_mask domain_near(domain_mask m)
{
    domain_mask near = m;
    for (size_t i = 0; i < domain_sector_count; i++)
        if (m & domain_sector_table[i])
            near |= domain_sector_table[i];
    return near;
}

bool domain_far(domain_mask a, domain_mask b)
{
    a &= DOMAIN_ALL;
    b &= DOMAIN_ALL;
    return a && b && !(domain_near(a) & b);
}

domain_mask domain_of_field(const char *field)
{
    domain_mask m = 0;
    if (!field)
        return 0;
    for (const char *p = field;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        m |= field_part(p, n);
        if (!slash)
            break;
        p = slash + 1;
    }
    return m;
}

/* The catalogue, for tests and documentation: entry i, or false past the
 * end. */
bool domain_discipline(size_t i, const char **code, const char **zh,
                       const char **en, domain_mask *m)
{
    if (i >= sizeof discipline_table / sizeof *discipline_table)
        return false;
    *code = discipline_table[i].code;
    *zh = discipline_table[i].zh;
    *en = discipline_table[i].en;
    *m = discipline_table[i].m;
    return true;
}

domain_mask domain_of_ipc(const char *ipc)
{
    char key[32];
    size_t k = 0;
    if (!ipc)
        return 0;
    for (const char *p = ipc; *p && k + 1 < sizeof key; p++)
        if (!isspace((unsigned char)*p))
            key[k++] = (char)toupper((unsigned char)*p);
    key[k] = '\0';
    size_t best = 0;
    domain_mask m = 0;
    for (size_t i = 0; i < sizeof ipc_table / sizeof ipc_table[0]; i++) {
        size_t l = strlen(ipc_table[i].prefix);
        if (l > best && strncmp(key, ipc_table[i].prefix, l) == 0) {
            best = l;
            m = ipc_table[i].m;
        }
    }
    return m;
}

domain_mask domain_of_text(const char *text, size_t n, int min_hits)
{
    int hits[DOMAIN_COUNT] = {0};
    if (!text || n == 0)
        return 0;
    for (size_t i = 0; i < sizeof kw_table / sizeof kw_table[0]; i++)
        if (contains(text, n, kw_table[i].kw, true))
            hits[kw_table[i].d]++;
    int best = 0;
    for (int d = 0; d < DOMAIN_COUNT; d++)
        if (hits[d] > best)
            best = hits[d];
    if (best < (min_hits > 0 ? min_hits : 1))
        return 0;
    domain_mask m = 0;
    /* Keep the runners-up that come close: text often spans two domains. */
    for (int d = 0; d < DOMAIN_COUNT; d++)
        if (hits[d] * 3 >= best * 2 && hits[d] > 0)
            m |= B(d);
    return m;
}

static void add_text(struct kg_buf *b, const char *s)
{
    if (s && *s) {
        kg_buf_adds(b, s);
        kg_buf_addc(b, '\n');
    }
}

domain_mask domain_of_evidence(const struct kg_record *r)
{
    domain_mask fine = 0, broad = 0;
    for (size_t i = 0; i < r->fields.n; i++) {
        const char *f = r->fields.v[i];
        domain_mask m = 0;
        /* A category ("农学") counts only when no discipline is known:
         * [农学, 水产] is fisheries, not agriculture and fisheries. */
        if (catalogue_lookup(f, strlen(f), &m) && is_category(f))
            broad |= m;
        else
            fine |= domain_of_field(f);
    }
    for (size_t i = 0; i < r->ipc.n; i++)
        fine |= domain_of_ipc(r->ipc.v[i]);
    return fine ? fine : broad;
}

domain_mask domain_classify(const struct kg_record *r)
{
    domain_mask m = domain_of_evidence(r);
    if (m || r->kind == KG_EXPERT || r->kind == KG_INSTITUTION)
        return m;
    struct kg_buf b;
    kg_buf_init(&b);
    add_text(&b, r->title);
    for (size_t i = 0; i < r->keywords.n; i++)
        add_text(&b, r->keywords.v[i]);
    add_text(&b, r->industry);
    add_text(&b, r->abstract);
    add_text(&b, r->description);
    m = domain_of_text(b.data, b.len, 2);
    kg_buf_release(&b);
    return m ? m | DOMAIN_GUESSED : 0;
}

/* ---- placement by the store's labelled records --------------------------- */

/*
 * The domain centroids, stored by term: term t has a weight for each
 * domain of dom[t] (bit order), at w[start[t] ...]. Most terms occur in a
 * few domains only, so this is about the size of the known records'
 * postings rather than nterms x DOMAIN_COUNT.
 */
struct centroids {
    domain_mask *dom;
    size_t *start;
    float *w;
    uint32_t nterms;
};

static float *centroid_slot(const struct centroids *c, uint32_t t, int d)
{
    return &c->w[c->start[t] +
                 (size_t)__builtin_popcount(c->dom[t] & (B(d) - 1))];
}

/* The vector of document i: its own, or the one vec makes. */
static const struct domain_term *doc_vector(const struct domain_doc *d,
                                            size_t i, domain_vec_fn vec,
                                            void *ctx, uint32_t *n)
{
    if (!vec) {
        *n = d[i].n;
        return d[i].v;
    }
    return vec(ctx, i, n);
}

/* The domains document d trains: a known one's, without "services" (an
 * industry without a technical home has no text of its own to place by). */
static domain_mask training(const struct domain_doc *d)
{
    return d->known ? d->m & ~B(D_SERVICES) : 0;
}

/* Sums the known documents' vectors into their domains (a document of two
 * domains gives each half its weight), then scales every domain's sum to
 * unit length. Two passes, one vector at a time: which domains each term
 * has, then the weights. */
static void centroids_build(struct centroids *c, const struct domain_doc *d,
                            size_t n, uint32_t nterms, domain_vec_fn vec,
                            void *ctx)
{
    c->nterms = nterms;
    c->dom = kg_xcalloc((size_t)nterms + 1, sizeof *c->dom);
    c->start = kg_xcalloc((size_t)nterms + 1, sizeof *c->start);
    for (size_t i = 0; i < n; i++) {
        domain_mask m = training(&d[i]);
        if (!m)
            continue;
        uint32_t nv;
        const struct domain_term *v = doc_vector(d, i, vec, ctx, &nv);
        for (uint32_t j = 0; j < nv; j++)
            if (v[j].t < nterms)
                c->dom[v[j].t] |= m;
    }
    for (uint32_t t = 0; t < nterms; t++)
        c->start[t + 1] = c->start[t] + (size_t)__builtin_popcount(c->dom[t]);
    c->w = kg_xcalloc(c->start[nterms] ? c->start[nterms] : 1, sizeof *c->w);
    for (size_t i = 0; i < n; i++) {
        domain_mask m = training(&d[i]);
        if (!m)
            continue;
        float share = 1.0f / (float)__builtin_popcount(m);
        uint32_t nv;
        const struct domain_term *v = doc_vector(d, i, vec, ctx, &nv);
        for (uint32_t j = 0; j < nv; j++) {
            uint32_t t = v[j].t;
            if (t >= nterms)
                continue;
            for (int k = 0; k < DOMAIN_COUNT; k++)
                if (m & B(k))
                    *centroid_slot(c, t, k) += share * v[j].w;
        }
    }
    double norm[DOMAIN_COUNT] = {0};
    for (uint32_t t = 0; t < nterms; t++)
        for (int k = 0; k < DOMAIN_COUNT; k++)
            if (c->dom[t] & B(k)) {
                double x = *centroid_slot(c, t, k);
                norm[k] += x * x;
            }
    for (uint32_t t = 0; t < nterms; t++)
        for (int k = 0; k < DOMAIN_COUNT; k++)
            if ((c->dom[t] & B(k)) && norm[k] > 0)
                *centroid_slot(c, t, k) /= (float)sqrt(norm[k]);
}

static void centroids_release(struct centroids *c)
{
    free(c->w);
    free(c->start);
    free(c->dom);
}

/* The domains of vector v by the centroids: the best cosine's domain and
 * those within DOMAIN_RUNNER_UP of it, or 0 when the best is below
 * DOMAIN_MIN_COSINE. */
static domain_mask centroid_vote(const struct centroids *c,
                                 const struct domain_term *v, uint32_t n)
{
    double s[DOMAIN_COUNT] = {0};
    for (uint32_t j = 0; j < n; j++) {
        uint32_t t = v[j].t;
        if (t >= c->nterms)
            continue;
        for (int k = 0; k < DOMAIN_COUNT; k++)
            if (c->dom[t] & B(k))
                s[k] += (double)v[j].w * *centroid_slot(c, t, k);
    }
    int top = 0;
    for (int k = 1; k < DOMAIN_COUNT; k++)
        if (s[k] > s[top])
            top = k;
    if (s[top] < DOMAIN_MIN_COSINE)
        return 0;
    domain_mask m = 0;
    for (int k = 0; k < DOMAIN_COUNT; k++)
        if (s[k] >= DOMAIN_RUNNER_UP * s[top])
            m |= B(k);
    return m;
}

void domain_from_store(struct domain_doc *d, size_t n, uint32_t nterms,
                       domain_vec_fn vec, void *ctx)
{
    struct centroids c;
    centroids_build(&c, d, n, nterms, vec, ctx);
    /* Placed records are not in the centroids: only fields and IPC codes
     * are evidence. */
    for (size_t q = 0; q < n; q++) {
        if (d[q].known || !d[q].place)
            continue;
        uint32_t nv;
        const struct domain_term *v = doc_vector(d, q, vec, ctx, &nv);
        domain_mask m = centroid_vote(&c, v, nv);
        if (m)
            d[q].m = m | DOMAIN_GUESSED;
    }
    centroids_release(&c);
}

void domain_mask_format(domain_mask m, const char *sep, struct kg_buf *out)
{
    bool first = true;
    for (unsigned d = 0; d < DOMAIN_COUNT; d++) {
        if (!(m & B(d)))
            continue;
        if (!first)
            kg_buf_adds(out, sep);
        kg_buf_adds(out, domains[d].key);
        first = false;
    }
}
