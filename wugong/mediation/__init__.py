"""矛盾纠纷调解 mediation of disputes, seen only by those who handle them."""
