/*
 * domain_tables.c - the two tables that read an enterprise's side of a
 * pairing: the national industry classification with the short forms
 * enterprises write, and the sectors that make two domains neighbours.
 * Edit them and graph/README.md ("Industries", "Far, not different")
 * together.
 */
#include "graph/domain_int.h"

/*
 * 国民经济行业分类 (GB/T 4754-2017): every section (门类 A-T) and division
 * (大类 01-97) by its Chinese name, then the short forms enterprises use
 * for their industry (钢铁, 港口, 制药, ...), each under the division it
 * belongs to. A field takes the union of every entry whose name it
 * contains, so "水产加工" is fisheries (水产) and food (水产加工: C136
 * under 农副食品加工业), "口腔材料" materials and medicine. An industry
 * goes to the domain whose disciplines serve it; divisions that make
 * equipment or chemicals for one sector (农机, 农药, 化肥, 医疗器械) take
 * that sector too. Industries without a technical home (trade, finance,
 * culture, social work, public administration) are "services": every
 * technical discipline is far from them.
 */
#define AG B(D_AGRICULTURE)
#define FI B(D_FISHERIES)
#define FO B(D_FOOD)
#define TX B(D_TEXTILES)
#define PE B(D_PETROLEUM)
#define CH B(D_CHEMICALS)
#define MD B(D_MEDICINE)
#define BI B(D_BIOTECH)
#define MT B(D_METALLURGY)
#define MA B(D_MATERIALS)
#define EN B(D_ENERGY)
#define EL B(D_ELECTRICAL)
#define EC B(D_ELECTRONICS)
#define SW B(D_SOFTWARE_AI)
#define MC B(D_MACHINERY)
#define AU B(D_AUTOMATION)
#define VE B(D_VEHICLES)
#define CO B(D_CONSTRUCTION)
#define EV B(D_ENVIRONMENT)
#define IN B(D_INSTRUMENTS)
#define SV B(D_SERVICES)

const struct domain_industry domain_industry_table[] = {
    /* A 农、林、牧、渔业 */
    {"农、林、牧、渔业", AG},
    {"农业", AG},
    {"林业", AG},
    {"畜牧业", AG},
    {"渔业", FI},
    {"农、林、牧、渔专业及辅助性活动", AG},
    {"种植", AG},
    {"种业", AG},
    {"育种", AG},
    {"农场", AG},
    {"苗木", AG},
    {"花卉", AG},
    {"蔬菜", AG},
    {"果业", AG},
    {"茶叶", AG | FO},
    {"中药材种植", AG},
    {"园林", AG | CO},
    {"畜牧", AG},
    {"养殖", AG},
    {"家禽", AG},
    {"生猪", AG},
    {"养猪", AG},
    {"奶牛", AG},
    {"肉牛", AG},
    {"肉羊", AG},
    {"兽药", AG | MD},
    {"水产", FI},
    /* B 采矿业 */
    {"采矿业", MT},
    {"煤炭开采和洗选业", MT | EN},
    {"石油和天然气开采业", PE},
    {"黑色金属矿采选业", MT},
    {"有色金属矿采选业", MT},
    {"非金属矿采选业", MT},
    {"开采专业及辅助性活动", MT | PE},
    {"其他采矿业", MT},
    {"矿业", MT},
    {"矿山", MT},
    {"采矿", MT},
    {"选矿", MT},
    {"煤矿", MT | EN},
    {"煤炭", MT | EN},
    {"石油", PE},
    {"油气", PE},
    {"油田", PE},
    {"气田", PE},
    {"天然气", PE},
    /* C 制造业: the divisions (the section itself is too broad) */
    {"农副食品加工业", FO},
    {"食品制造业", FO},
    {"酒、饮料和精制茶制造业", FO},
    {"烟草制品业", FO},
    {"食品", FO},
    {"粮油", FO},
    {"面粉", FO},
    {"屠宰", FO},
    {"肉类加工", FO},
    {"乳制品", FO},
    {"水产加工", FO},
    {"水产品加工", FO},
    {"淀粉", FO},
    {"饲料", FO | AG},
    {"酿酒", FO},
    {"白酒", FO},
    {"啤酒", FO},
    {"葡萄酒", FO},
    {"饮料", FO},
    {"调味品", FO},
    {"制糖", FO},
    {"烟草", FO | AG},
    {"纺织业", TX},
    {"纺织服装、服饰业", TX},
    {"皮革、毛皮、羽毛及其制品和制鞋业", TX},
    {"木材加工和木、竹、藤、棕、草制品业", TX},
    {"家具制造业", TX},
    {"造纸和纸制品业", TX},
    {"印刷和记录媒介复制业", TX},
    {"文教、工美、体育和娱乐用品制造业", TX},
    {"纺织", TX},
    {"印染", TX},
    {"服装", TX},
    {"服饰", TX},
    {"毛纺", TX},
    {"棉纺", TX},
    {"针织", TX},
    {"家纺", TX},
    {"化纤", TX | CH},
    {"皮革", TX},
    {"制鞋", TX},
    {"木材加工", TX},
    {"家具", TX},
    {"造纸", TX},
    {"纸业", TX},
    {"印刷", TX},
    {"轻工", TX},
    {"石油、煤炭及其他燃料加工业", PE},
    {"炼油", PE},
    {"炼化", PE | CH},
    {"石化", PE | CH},
    {"化学原料和化学制品制造业", CH},
    {"化工", CH},
    {"化学品", CH},
    {"涂料", CH},
    {"钛白", CH},
    {"日化", CH},
    {"农药", CH | AG},
    {"化肥", CH | AG},
    {"肥料", CH | AG},
    {"钾肥", CH | AG},
    {"医药制造业", MD},
    {"医药", MD},
    {"制药", MD},
    {"药业", MD},
    {"原料药", MD},
    {"中药", MD},
    {"生物医药", MD | BI},
    {"生物制品", BI | MD},
    {"发酵", BI},
    {"化学纤维制造业", TX | CH},
    {"橡胶和塑料制品业", MA},
    {"橡胶", MA},
    {"塑料", MA},
    {"非金属矿物制品业", MA | CO},
    {"建材", MA | CO},
    {"水泥", MA | CO},
    {"玻璃", MA},
    {"陶瓷", MA},
    {"耐火材料", MA},
    {"黑色金属冶炼和压延加工业", MT},
    {"有色金属冶炼和压延加工业", MT},
    {"钢铁", MT},
    {"冶炼", MT},
    {"有色", MT},
    {"金属制品业", MA | MC},
    {"金属制品", MA | MC},
    {"压力容器", MA | MC},
    {"通用设备制造业", MC},
    {"专用设备制造业", MC},
    {"机械", MC},
    {"机床", MC},
    {"装备制造", MC},
    {"轴承", MC},
    {"液压", MC},
    {"模具", MC},
    {"阀门", MC},
    {"锅炉", MC | EN},
    {"农机", MC | AG},
    {"医疗器械", MD | IN},
    {"汽车制造业", VE},
    {"铁路、船舶、航空航天和其他运输设备制造业", VE},
    {"汽车", VE},
    {"车辆", VE},
    {"轨道交通", VE},
    {"船舶", VE},
    {"造船", VE},
    {"游艇", VE},
    {"航空", VE},
    {"航天", VE},
    {"电气机械和器材制造业", EL},
    {"电气", EL},
    {"电机", EL},
    {"电网", EL},
    {"输变电", EL},
    {"电线电缆", EL},
    {"电源", EL | EC},
    {"电池", EL | EN},
    {"照明", EL},
    {"家电", EL | EC},
    {"智能家居", EC | EL},
    {"计算机、通信和其他电子设备制造业", EC},
    {"电子", EC},
    {"半导体", EC},
    {"芯片", EC},
    {"集成电路", EC},
    {"通信", EC},
    {"仪器仪表制造业", IN},
    {"仪器", IN},
    {"仪表", IN},
    {"自动化", AU},
    {"机器人", AU},
    {"废弃资源综合利用业", EV},
    {"再生资源", EV},
    {"金属制品、机械和设备修理业", MC},
    /* D 电力、热力、燃气及水生产和供应业 */
    {"电力、热力、燃气及水生产和供应业", EN | EL},
    {"电力、热力生产和供应业", EN | EL},
    {"燃气生产和供应业", EN | PE},
    {"水的生产和供应业", EV | CO},
    {"电力", EN | EL},
    {"发电", EN | EL},
    {"风电", EN | EL},
    {"光伏", EN | EL},
    {"核电", EN},
    {"供热", EN},
    {"热力", EN},
    {"燃气", EN | PE},
    {"能源", EN},
    {"储能", EN | EL},
    {"氢能", EN},
    {"水务", EV | CO},
    {"供水", EV | CO},
    /* E 建筑业 */
    {"建筑业", CO},
    {"房屋建筑业", CO},
    {"土木工程建筑业", CO},
    {"建筑安装业", CO},
    {"建筑装饰、装修和其他建筑业", CO},
    {"建筑", CO},
    {"施工", CO},
    {"路桥", CO},
    {"市政", CO},
    {"装修", CO},
    {"勘察设计", CO},
    /* F 批发和零售业 */
    {"批发和零售业", SV},
    {"批发", SV},
    {"零售", SV},
    {"商贸", SV},
    {"流通", SV},
    {"超市", SV},
    /* G 交通运输、仓储和邮政业 */
    {"交通运输、仓储和邮政业", VE},
    {"铁路运输业", VE},
    {"道路运输业", VE},
    {"水上运输业", VE},
    {"航空运输业", VE},
    {"管道运输业", VE | PE},
    {"多式联运和运输代理业", VE},
    {"装卸搬运和仓储业", VE},
    {"邮政业", VE},
    {"交通", VE},
    {"运输", VE},
    {"铁路", VE},
    {"公路", VE},
    {"地铁", VE},
    {"航运", VE},
    {"港口", VE},
    {"码头", VE},
    {"物流", VE},
    {"仓储", VE},
    {"快递", VE},
    /* H 住宿和餐饮业 */
    {"住宿和餐饮业", SV},
    {"住宿业", SV},
    {"餐饮业", FO},
    {"餐饮", FO},
    {"酒店", SV},
    /* I 信息传输、软件和信息技术服务业 */
    {"信息传输、软件和信息技术服务业", SW | EC},
    {"电信、广播电视和卫星传输服务", EC},
    {"互联网和相关服务", SW},
    {"软件和信息技术服务业", SW},
    {"电信", EC},
    {"互联网", SW},
    {"软件", SW},
    {"信息技术", SW},
    {"云计算", SW},
    {"大数据", SW},
    {"人工智能", SW},
    /* J 金融业 */
    {"金融业", SV},
    {"货币金融服务", SV},
    {"资本市场服务", SV},
    {"保险业", SV},
    {"其他金融业", SV},
    {"金融", SV},
    {"银行", SV},
    {"保险", SV},
    {"证券", SV},
    /* K 房地产业 */
    {"房地产业", CO},
    {"房地产", CO},
    {"地产", CO},
    /* L 租赁和商务服务业 */
    {"租赁和商务服务业", SV},
    {"租赁业", SV},
    {"商务服务业", SV},
    {"咨询", SV},
    /* M 科学研究和技术服务业: research and technical services serve
     * every domain; only the named services place */
    {"测绘", IN},
    {"航测", IN},
    {"检测", IN},
    {"检验", IN},
    {"计量", IN},
    /* N 水利、环境和公共设施管理业 */
    {"水利管理业", CO},
    {"生态保护和环境治理业", EV},
    {"公共设施管理业", EV | CO},
    {"水利", CO},
    {"环保", EV},
    {"环境", EV},
    {"环卫", EV},
    {"固废", EV},
    {"危废", EV},
    {"污水", EV},
    {"垃圾", EV},
    /* O-T: services, education, health and social work, culture,
     * public administration, international organizations */
    {"居民服务、修理和其他服务业", SV},
    {"居民服务业", SV},
    {"教育", SV},
    {"卫生和社会工作", MD | SV},
    {"卫生", MD},
    {"医院", MD},
    {"医疗", MD},
    {"诊断", MD},
    {"口腔", MD},
    {"义齿", MD},
    {"康复", MD},
    {"社会工作", SV},
    {"养老", SV},
    {"文化、体育和娱乐业", SV},
    {"文化", SV},
    {"文创", SV},
    {"传媒", SV},
    {"出版", SV},
    {"旅游", SV},
    {"体育", SV},
    {"娱乐", SV},
    {"公共管理、社会保障和社会组织", SV},
    {"国家机构", SV},
    {"海关", SV},
    {"国际组织", SV},
};
const size_t domain_industry_count =
    sizeof domain_industry_table / sizeof *domain_industry_table;

/*
 * The sectors: domains whose industries make, use and buy from one another
 * so closely that a pairing across them is not one a broker would call
 * cross-domain. Grouped as the national statistics group industries
 * (GB/T 4754-2017 and the NBS's 装备制造业, C33-C40); graph/README.md gives
 * the reasons and what was measured.
 */
const domain_mask domain_sector_table[] = {
    /* A and C13-C16: the farm, the fishery and what is made of them */
    AG | FI | FO,
    /* mechatronics: 机械电子工程 is a discipline of 机械工程 */
    MC | AU,
    /* optoelectronics: 光电信息科学与工程 is a major of 电子信息类 */
    EC | IN,
    /* C39 and I: hardware and software of information technology */
    EC | SW,
    /* C27, Q84 and bioengineering: drugs, health and the life sciences */
    MD | BI,
    /* D44: power is generated and carried */
    EN | EL,
    /* E48 and G: roads, railways and ports are built works and transport */
    VE | CO,
};
const size_t domain_sector_count =
    sizeof domain_sector_table / sizeof *domain_sector_table;
