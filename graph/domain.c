/*
 * domain.c - the domain taxonomy as three tables: field names, IPC prefixes
 * and bilingual keywords, each pointing at a domain. Edit the tables and
 * graph/README.md together.
 */
#include "graph/domain.h"

#include <ctype.h>
#include <string.h>

enum {
    D_MATERIALS,
    D_METALLURGY,
    D_CHEMICALS,
    D_PETROLEUM,
    D_TEXTILES,
    D_FOOD,
    D_AGRICULTURE,
    D_FISHERIES,
    D_ENERGY,
    D_ELECTRICAL,
    D_ELECTRONICS,
    D_SOFTWARE_AI,
    D_MACHINERY,
    D_AUTOMATION,
    D_VEHICLES,
    D_MEDICINE,
    D_BIOTECH,
    D_ENVIRONMENT,
    D_CONSTRUCTION,
    D_INSTRUMENTS,
};

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

#define B(d) (1u << (d))

/* Field (discipline) names: a field belongs to every entry whose text it
 * contains (Latin compared without case). Chinese names follow the
 * first-level disciplines of the Chinese degree catalogue. */
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

/* IPC prefixes (section, class, subclass or group); the longest match
 * wins. Spaces are ignored when comparing ("B23K9" = "B23K 9"). */
static const struct {
    const char *prefix;
    domain_mask m;
} ipc_table[] = {
    {"A01", B(D_AGRICULTURE)},    {"A01K61", B(D_FISHERIES)},
    {"A01K63", B(D_FISHERIES)},   {"A01K69", B(D_FISHERIES)},
    {"A01K71", B(D_FISHERIES)},   {"A01K73", B(D_FISHERIES)},
    {"A01K74", B(D_FISHERIES)},   {"A01K75", B(D_FISHERIES)},
    {"A01K80", B(D_FISHERIES)},   {"A21", B(D_FOOD)},
    {"A22", B(D_FOOD)},           {"A23", B(D_FOOD)},
    {"A23K", B(D_AGRICULTURE)},   {"A24", B(D_FOOD)},
    {"A41", B(D_TEXTILES)},       {"A61", B(D_MEDICINE)},
    {"A62", B(D_MEDICINE)},       {"B01", B(D_CHEMICALS)},
    {"B01D53", B(D_ENVIRONMENT)}, {"B02", B(D_MACHINERY)},
    {"B03", B(D_METALLURGY)},     {"B05", B(D_MATERIALS)},
    {"B07", B(D_MACHINERY)},      {"B08", B(D_MACHINERY)},
    {"B09", B(D_ENVIRONMENT)},    {"B21", B(D_MACHINERY)},
    {"B21C", B(D_METALLURGY)},    {"B22", B(D_METALLURGY)},
    {"B23", B(D_MACHINERY)},      {"B24", B(D_MACHINERY)},
    {"B25", B(D_MACHINERY)},      {"B25J", B(D_AUTOMATION)},
    {"B26", B(D_MACHINERY)},      {"B27", B(D_MACHINERY)},
    {"B28", B(D_CONSTRUCTION)},   {"B29", B(D_MATERIALS)},
    {"B32", B(D_MATERIALS)},      {"B33", B(D_MACHINERY)},
    {"B60", B(D_VEHICLES)},       {"B61", B(D_VEHICLES)},
    {"B62", B(D_VEHICLES)},       {"B63", B(D_VEHICLES)},
    {"B64", B(D_VEHICLES)},       {"B65", B(D_MACHINERY)},
    {"B66", B(D_MACHINERY)},      {"B82", B(D_MATERIALS)},
    {"C01", B(D_CHEMICALS)},      {"C02", B(D_ENVIRONMENT)},
    {"C03", B(D_MATERIALS)},      {"C04", B(D_MATERIALS)},
    {"C05", B(D_AGRICULTURE)},    {"C06", B(D_CHEMICALS)},
    {"C07", B(D_CHEMICALS)},      {"C07K", B(D_BIOTECH)},
    {"C08", B(D_MATERIALS)},      {"C09", B(D_CHEMICALS)},
    {"C09K17", B(D_AGRICULTURE)}, {"C10", B(D_PETROLEUM)},
    {"C10L", B(D_ENERGY)},        {"C11", B(D_CHEMICALS)},
    {"C12", B(D_BIOTECH)},        {"C13", B(D_FOOD)},
    {"C14", B(D_TEXTILES)},       {"C21", B(D_METALLURGY)},
    {"C22", B(D_METALLURGY)},     {"C23", B(D_MATERIALS)},
    {"C25", B(D_MATERIALS)},      {"C25C", B(D_METALLURGY)},
    {"C30", B(D_MATERIALS)},      {"D01", B(D_TEXTILES)},
    {"D02", B(D_TEXTILES)},       {"D03", B(D_TEXTILES)},
    {"D04", B(D_TEXTILES)},       {"D05", B(D_TEXTILES)},
    {"D06", B(D_TEXTILES)},       {"D07", B(D_TEXTILES)},
    {"D21", B(D_MATERIALS)},      {"E01", B(D_CONSTRUCTION)},
    {"E02", B(D_CONSTRUCTION)},   {"E03", B(D_CONSTRUCTION)},
    {"E04", B(D_CONSTRUCTION)},   {"E05", B(D_CONSTRUCTION)},
    {"E06", B(D_CONSTRUCTION)},   {"E21", B(D_PETROLEUM)},
    {"E21C", B(D_METALLURGY)},    {"E21D", B(D_CONSTRUCTION)},
    {"F01", B(D_MACHINERY)},      {"F01K", B(D_ENERGY)},
    {"F02", B(D_VEHICLES)},       {"F03", B(D_ENERGY)},
    {"F04", B(D_MACHINERY)},      {"F15", B(D_MACHINERY)},
    {"F16", B(D_MACHINERY)},      {"F17", B(D_ENERGY)},
    {"F21", B(D_ELECTRICAL)},     {"F22", B(D_ENERGY)},
    {"F23", B(D_ENERGY)},         {"F23G", B(D_ENVIRONMENT)},
    {"F24", B(D_ENERGY)},         {"F25", B(D_ENERGY)},
    {"F26", B(D_ENERGY)},         {"F27", B(D_METALLURGY)},
    {"F28", B(D_ENERGY)},         {"G01", B(D_INSTRUMENTS)},
    {"G02", B(D_INSTRUMENTS)},    {"G05", B(D_AUTOMATION)},
    {"G06", B(D_SOFTWARE_AI)},    {"G07", B(D_ELECTRONICS)},
    {"G08", B(D_ELECTRONICS)},    {"G09", B(D_ELECTRONICS)},
    {"G16", B(D_SOFTWARE_AI)},    {"G21", B(D_ENERGY)},
    {"H01", B(D_ELECTRONICS)},    {"H01M", B(D_ENERGY)},
    {"H01B", B(D_ELECTRICAL)},    {"H01F", B(D_ELECTRICAL)},
    {"H01H", B(D_ELECTRICAL)},    {"H02", B(D_ELECTRICAL)},
    {"H02S", B(D_ENERGY)},        {"H03", B(D_ELECTRONICS)},
    {"H04", B(D_ELECTRONICS)},    {"H05", B(D_ELECTRONICS)},
    {"H10", B(D_ELECTRONICS)},    {"Y02", B(D_ENVIRONMENT)},
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
    {D_MATERIALS, "型材"},
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
    {D_METALLURGY, "电解铝"},
    {D_METALLURGY, "氧化铝"},
    {D_METALLURGY, "赤泥"},
    {D_METALLURGY, "铝灰"},
    {D_METALLURGY, "钢"},
    {D_METALLURGY, "热处理"},
    {D_METALLURGY, "alloy"},
    {D_METALLURGY, "alumin"},
    {D_METALLURGY, "smelt"},
    {D_METALLURGY, "casting"},
    {D_METALLURGY, "steel"},
    {D_METALLURGY, "metallurg"},
    {D_METALLURGY, "red mud"},
    {D_METALLURGY, "dross"},
    {D_CHEMICALS, "化工"},
    {D_CHEMICALS, "催化"},
    {D_CHEMICALS, "合成"},
    {D_CHEMICALS, "反应釜"},
    {D_CHEMICALS, "溴"},
    {D_CHEMICALS, "氯碱"},
    {D_CHEMICALS, "环氧丙烷"},
    {D_CHEMICALS, "萃取"},
    {D_CHEMICALS, "精馏"},
    {D_CHEMICALS, "chemical"},
    {D_CHEMICALS, "cataly"},
    {D_CHEMICALS, "synthesis"},
    {D_CHEMICALS, "reactor"},
    {D_CHEMICALS, "bromine"},
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
    {D_TEXTILES, "毛巾"},
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
    {D_FOOD, "挂面"},
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
    {D_AGRICULTURE, "冬枣"},
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
    {D_VEHICLES, "副车架"},
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
    {D_ENVIRONMENT, "尾水"},
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

domain_mask domain_of_field(const char *field)
{
    domain_mask m = 0;
    if (!field)
        return 0;
    size_t n = strlen(field);
    for (size_t i = 0; i < sizeof field_table / sizeof field_table[0]; i++)
        if (contains(field, n, field_table[i].name, true))
            m |= field_table[i].m;
    return m;
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

domain_mask domain_classify(const struct kg_record *r)
{
    domain_mask m = 0;
    for (size_t i = 0; i < r->fields.n; i++)
        m |= domain_of_field(r->fields.v[i]);
    for (size_t i = 0; i < r->ipc.n; i++)
        m |= domain_of_ipc(r->ipc.v[i]);
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
    return m;
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
