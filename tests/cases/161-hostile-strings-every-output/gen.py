# gen.py - writes one record of every kind whose every field is hostile:
# quotes, commas, tabs, newlines, CR, backslashes, markup, C0 controls,
# bidirectional controls, noncharacters, and one value of 1 MiB.
import json

H = ('q"uo\'te, comma;\tTAB\nLF\r\nCRLF \\back <&> \u0001\u001f\u007f '
     '\u202eRLO\u202c \u2066iso\u2069 \u200f \uffff\ufffe 铝灰')
BIG = ('铝灰 ' + 'x' * 1023) * 1024  # a little over 1 MiB with the CJK
kinds = {
    'institution': {'id': 'I9', 'name': '研究院 ' + H, 'aliases': [H, 'a,b'],
                    'kind': H, 'country': H, 'region': H, 'url': H},
    'enterprise': {'id': 'C9', 'name': '公司 ' + H, 'industry': H,
                   'region': H, 'description': H},
    'expert': {'id': 'E9', 'name': '专家 ' + H, 'bio': H, 'keywords': [H],
               'fields': [H], 'orcid': H, 'email': H},
    'achievement': {'id': 'A9', 'title': '铝灰 成果 ' + H, 'abstract': BIG,
                    'keywords': [H, '铝灰'], 'fields': [H], 'url': H,
                    'source': H, 'year': 2024, 'maturity': 5},
    'patent': {'id': 'CN9', 'title': '铝灰 专利 ' + H, 'abstract': H,
               'claims': H, 'ipc': ['C22B 7/04'], 'date': '2024-01-02'},
    'demand': {'id': 'D9', 'title': '铝灰 需求 ' + H, 'description': H,
               'keywords': [H, '铝灰'], 'fields': [H], 'budget': H},
}
for k, r in kinds.items():
    with open(k + '.jsonl', 'w', encoding='utf-8') as f:
        f.write(json.dumps(r, ensure_ascii=False) + '\n')
json.dump(kinds, open('expect.json', 'w'))
