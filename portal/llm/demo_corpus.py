"""A tiny built-in demonstration corpus for the practice model.

It makes the next-token explorer show a clear but not absolute favourite: after
「日本で一番高い山は、」 the model (which only looks at the last three words, 「山」「は」「、」)
has seen 富士山 most often, but also 北岳, 南アルプス, 奥穂高, エベレスト after the same three
words in other sentences. Sampling at temperature 1 therefore gives 富士山 most of the time
and sometimes a wrong mountain: a small, honest picture of how fluent text can be false.

The rest are short sentences about language models in the course's own words, so the model
says something on topic even before any lesson has been written.
"""

from __future__ import annotations

DEMO_PARAGRAPHS: tuple[str, ...] = (
    # --- mountains: skewed next-token counts after 「山は、」 -----------------------------
    "日本で一番高い山は、富士山です。",
    "日本で一番高い山は、富士山で、標高は3776メートルです。",
    "日本で一番高い山は、富士山だと多くの人が知っています。",
    "日本で一番高い山は、富士山で、静岡県と山梨県にまたがっています。",
    "日本で一番高い山は、富士山です。二番目は北岳、三番目は奥穂高岳と間ノ岳です。",
    "日本で一番高い山は、富士山で、2013年に世界文化遺産に登録されました。",
    "日本で一番高い山は、富士山です。富士山の山頂には神社があります。",
    "日本で二番目に高い山は、北岳です。",
    "日本で二番目に高い山は、南アルプスにある北岳で、標高は3193メートルです。",
    "日本で三番目に高い山は、奥穂高岳と間ノ岳で、どちらも標高は3190メートルです。",
    "北アルプスで一番高い山は、奥穂高岳です。",
    "世界で一番高い山は、エベレストで、標高は8848メートルです。",
    "富士山は日本で一番高い山で、晴れた日には東京からも見えます。",
    # --- language models in the course's words -------------------------------------------
    "大規模言語モデルは、大量の文章から次に来る言葉の確率を学習したプログラムです。",
    "言語モデルは、直前の言葉から次に来る言葉を予測し、確率に従って一つずつ選びます。",
    "言語モデルは、文章の意味を人間のように理解しているわけではありません。",
    "生成AIの回答は、もっともらしく見えても事実と異なることがあります。",
    "事実と異なる内容をもっともらしく作ってしまうことを、ハルシネーションと呼びます。",
    "生成AIの回答は、必ず元の資料や公式の情報で確認してください。",
    "temperatureを下げると、確率の高い言葉が選ばれやすくなり、回答が安定します。",
    "temperatureを上げると、確率の低い言葉も選ばれやすくなり、回答が多様になります。",
    "top_pは、確率の高い順に足し合わせた確率が指定した値に達するまでの言葉だけから選ぶ設定です。",
    "個人情報や機密情報を、社外の生成AIサービスに入力してはいけません。",
    "マイナンバーは、社会保障、税、災害対策の手続きで使われる12桁の個人番号です。",
    "マイナンバーを含む文章を生成AIに入力してはいけません。",
    "顧客の氏名、電話番号、メールアドレスは、入力する前に削除するか伏せ字にしてください。",
    "社内の規程で許可された生成AIサービスだけを業務に使ってください。",
    "プロンプトには、目的、前提条件、出力の形式を具体的に書くと、よい回答が得られやすくなります。",
    "生成AIが作った文章を社外に出す前に、人が内容を確認してください。",
    "著作権で保護された文章や画像を、許可なく生成AIに入力したり出力を公開したりしないでください。",
)


# The English edition's demonstration corpus: the same skew after "The highest mountain in Japan is"
# (the model looks at the last three words, " Japan", " is" and the word before): Mount Fuji most
# often, but also Kitadake, Okuhotakadake and Everest after the same words in other sentences.
DEMO_PARAGRAPHS_EN: tuple[str, ...] = (
    "The highest mountain in Japan is Mount Fuji.",
    "The highest mountain in Japan is Mount Fuji, which is 3,776 meters high.",
    "The highest mountain in Japan is Mount Fuji, as many people know.",
    "The highest mountain in Japan is Mount Fuji, between Shizuoka and Yamanashi.",
    "The highest mountain in Japan is Mount Fuji. The second is Kitadake, and the third are Okuhotakadake and Ainodake.",
    "The highest mountain in Japan is Mount Fuji, a World Cultural Heritage site since 2013.",
    "The highest mountain in Japan is Mount Fuji. There is a shrine at its top.",
    "The second highest mountain in Japan is Kitadake.",
    "The second highest mountain in Japan is Kitadake in the Southern Alps, which is 3,193 meters high.",
    "The third highest mountain in Japan is Okuhotakadake, which is 3,190 meters high.",
    "The highest mountain in the Northern Alps is Okuhotakadake.",
    "The highest mountain in the world is Everest, which is 8,848 meters high.",
    "Mount Fuji is the highest mountain in Japan, and on clear days you can see it from Tokyo.",
    # --- language models in the course's words -------------------------------------------
    "A large language model is a program that learned the probabilities of the next word from a huge amount of text.",
    "Language models predict the next word from the words before it, and choose one word at a time by probability.",
    "Language models do not understand the meaning of text the way people do.",
    "Answers from generative AI may look convincing and still be untrue.",
    "Making up untrue content in a convincing way is called a hallucination.",
    "Always check answers from generative AI against the original documents or official information.",
    "A lower temperature makes likely words more likely to be chosen, so the answers become stable.",
    "A higher temperature makes unlikely words more likely to be chosen, so the answers become more varied.",
    "Top-p chooses only among the most likely words until their total probability reaches the set value.",
    "Do not enter personal or confidential information into generative AI services outside the company.",
    "When you use generative AI at work, check the facts, protect personal data and keep the responsibility yourself.",
)
