/**
 * Traditional Chinese characters and their simplified forms, for the characters the programmes'
 * Chinese texts use most. The knowledge base is written in simplified Chinese; a question in
 * traditional characters is folded to simplified before it is read, so 簽署備忘錄 finds 签署备忘录.
 * Only Chinese questions are folded: Japanese shares many of these characters in their traditional
 * or its own forms (東京, 開催), and must stay as written.
 */
const PAIRS =
  '們们這这個个來来時时說说會会國国對对與与為为從从點点關关開开問问間间機机構构協协議议簽签書书備备錄录' +
  '貿贸經经濟济發发覽览產产業业團团體体資资權权護护溫温慶庆區区長长門门東东車车電电場场劃划畫画號号' +
  '實实現现進进過过還还邊边題题係系歷历應应該该請请謝谢幫帮雙双誰谁麼么嗎吗臺台灣湾華华員员聯联務务' +
  '絡络話话認认識识讓让樣样買买賣卖價价錢钱銀银計计設设辦办處处傳传遊游觀观頭头萬万億亿幣币組组織织' +
  '訪访談谈論论專专項项標标準准導导術术際际獲获驗验參参質质勢势達达積积極极與与紀纪錄录簡简單单' +
  '視视廠厂貨货運运輸输裝装製制縣县鄉乡莊庄園园戰战鬥斗熱热愛爱優优歡欢農农節节氣气讀读寫写廣广' +
  '韓韩漢汉語语詞词記记這这義义習习學学館馆飯饭飲饮費费貸贷險险壓压擔担補补級级線线網网絡络難难' +
  '願愿義义輕轻級级決决總总結结選选擇择變变續续離离鬆松緊紧確确認认證证據据擁拥營营銷销審审議议' +
  '協协辦办圖图賴赖當当黨党雜杂殺杀險险陽阳陰阴隨随靈灵顧顾類类風风飛飞馬马魚鱼鳥鸟龍龙齊齐' +
  '歲岁屬属層层岡冈島岛峽峡幾几廳厅張张彈弹強强彙汇後后徵征應应懷怀戶户擊击擴扩據据攜携敗败數数' +
  '曆历書书會会條条極极樓楼樂乐檢检權权歐欧殘残氣气決决沒没淺浅減减渦涡滿满漁渔潔洁災灾為为烏乌' +
  '無无煙烟營营爭争爾尔牆墙獎奖獨独環环瑪玛產产畢毕異异療疗盡尽監监盤盘眾众礎础禮礼種种稱称穩稳' +
  '窮穷競竞筆笔範范築筑糧粮紅红約约級级紙纸細细終终組组給给統统絲丝綠绿維维綜综緒绪編编緣缘縮缩' +
  '績绩職职聖圣聞闻聲声肅肃膠胶腦脑臨临舉举艦舰藝艺蘇苏處处號号蟲虫衛卫補补製制複复襲袭規规' +
  '覺觉親亲觸触訂订訊讯託托訴诉詢询試试詳详誠诚誌志課课調调諸诸謀谋講讲豐丰貝贝負负財财貢贡貫贯' +
  '責责貴贵費费賀贺資资賓宾趨趋跡迹蹤踪軍军軟软載载較较輔辅輪轮轉转辭辞農农遠远適适遲迟選选遺遗' +
  '郵邮鄰邻釋释鋼钢錄录錯错鍵键鎮镇鐵铁閉闭閣阁闡阐隊队階阶際际隱隐雖虽難难雲云電电須须預预領领' +
  '頻频顏颜額额顯显飾饰餘余養养驅驱驗验體体髮发鬧闹麗丽黃黄興兴繫系';

const FOLD = new Map<string, string>();
for (let i = 0; i + 1 < PAIRS.length; i += 2) FOLD.set(PAIRS[i] as string, PAIRS[i + 1] as string);

/** The text with traditional Chinese characters replaced by their simplified forms (others kept). */
export function foldTraditional(text: string): string {
  let out = '';
  for (const ch of text) out += FOLD.get(ch) ?? ch;
  return out;
}
