"""What each grade means, in the words Chinese credit-rating reports use (and in English).

The nine grades of DESIGN.md follow the People's Bank of China credit-market
scale; a certificate states the definition next to the grade so that a reader
of the PDF needs no other document.
"""

from __future__ import annotations

DEFINITIONS: dict[str, tuple[str, str]] = {
    "AAA": ("偿还债务的能力极强，基本不受不利经济环境的影响，违约风险极低。",
            "Extremely strong capacity to repay; hardly affected by adverse conditions; "
            "default risk extremely low."),
    "AA": ("偿还债务的能力很强，受不利经济环境的影响不大，违约风险很低。",
           "Very strong capacity to repay; little affected by adverse conditions; "
           "default risk very low."),
    "A": ("偿还债务的能力较强，较易受不利经济环境的影响，违约风险较低。",
          "Strong capacity to repay; somewhat susceptible to adverse conditions; "
          "default risk low."),
    "BBB": ("偿还债务的能力一般，受不利经济环境影响较大，违约风险一般。",
            "Adequate capacity to repay; clearly affected by adverse conditions; "
            "default risk moderate."),
    "BB": ("偿还债务的能力较弱，受不利经济环境影响很大，有较高违约风险。",
           "Weak capacity to repay; strongly affected by adverse conditions; "
           "default risk high."),
    "B": ("偿还债务的能力较大地依赖于良好的经济环境，违约风险很高。",
          "Repayment depends largely on favourable conditions; default risk very high."),
    "CCC": ("偿还债务的能力极度依赖于良好的经济环境，违约风险极高。",
            "Repayment depends entirely on favourable conditions; default risk "
            "extremely high."),
    "CC": ("在破产或重组时可获得保护较小，基本不能保证偿还债务。",
           "Little protection in bankruptcy or restructuring; repayment hardly assured."),
    "C": ("不能偿还债务。", "Unable to repay."),
}

#: (payload key, credential key, Chinese label, English label)
DIMENSIONS = (
    ("financial_health", "financialHealth", "财务健康", "Financial health"),
    ("operating_activity", "operatingActivity", "经营活跃", "Operating activity"),
    ("growth_potential", "growthPotential", "成长潜力", "Growth potential"),
)
