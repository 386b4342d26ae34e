"""Spot messages that need help before information: thoughts of suicide or self-harm (a crisis), and a
severe reaction happening now (an emergency), however they are typed.

Both checks lean one way on purpose. A message that reads as a person in trouble gets help first even
when it is ambiguous, because a false alarm costs a line of text and a miss could cost a life. What
turns a symptom word into no alarm is only wording that plainly says it is not happening now: a past
or resolved event ("last month", "it went away"), a question about symptoms ("can exosomes cause…",
"how would I know if…"), or an idiom ("this price is killing me").

Messages are read a sentence at a time, after folding case, accents, apostrophes and stretched
letters ("helppp"), so that one sentence's "years ago" does not excuse another's "can't breathe".
"""

from __future__ import annotations

import functools
import re

from core.answers import Alarm
from core.text import fold

BREATH = r"bre?a?the?(?:s|ing|in)?"
_ME = r"(?:my|me|myself|i|im)"
_THEM = r"(?:my|me|myself|i|im|him|himself|her|herself|them|themselves|themself|their|his|he|she|hes|shes|they)"
_PLACEHOLDERS = {"<BREATH>": BREATH, "<ME>": _ME, "<THEM>": _THEM}


def _phrases(table: str) -> str:
    """A whole-word pattern from a table of alternatives, one per line.

    Lines starting with ``#`` are notes; a line ending in ``|`` goes on on the next; ``<BREATH>``, ``<ME>``
    and ``<THEM>`` stand for the spellings of "breathe" and the words for oneself or someone else.
    """
    lines = (line.strip() for line in table.splitlines())
    alternatives = "\n".join(line for line in lines if line and not line.startswith("#")).replace("|\n", "|")
    for placeholder, pattern in _PLACEHOLDERS.items():
        alternatives = alternatives.replace(placeholder, pattern)
    return r"\b(?:" + alternatives.replace("\n", "|") + r")\b"


_CRISIS = re.compile(
    _phrases(
        r"""
        kill(?:ing)? (?:my|him|her|them)sel(?:f|ves)
        kms
        suicid(?:e|al)\w*
        end(?:ing)? (?:it|it all|things|my life|his life|her life|their life)
        take (?:my|his|her|their) (?:own )?life
        taking (?:my|his|her|their) (?:own )?life
        (?:want|wanna|wants|wanted|going) (?:to )?die
        wish (?:i|id) (?:was|were|could be) dead
        wish i could die
        (?:dont|do not|doesnt|does not) (?:want|wanna) (?:to )?(?:be alive|live|exist|wake up|be here)(?: anymore)?
        better off (?:dead|without me|without her|without him|if i was gone)
        no (?:reason|point) (?:to|in) (?:live|living|going on|being alive)
        dont see the point(?: anymore| of living)?
        (?:cut|cutting|hurt|hurting|harm|harming|burn|burning) (?:my|him|her|them)sel(?:f|ves)
        self ?harm(?:ing)?
        been cutting
        cutting again
        took (?:all|a bunch of|a lot of|too many) (?:my |of my |the )?(?:pills|tablets)
        (?:swallowed|taken|took) (?:a |the )?(?:whole )?bottle of
        overdos(?:e|ed|ing) on purpose
        i (?:just )?overdosed
        pills in my hand
        goodbye (?:letter|note|message)s?
        (?:texted|told) (?:me )?goodbye
        (?:no one|nobody) (?:would|will) (?:care|miss me|notice)
        disappear forever
        not (?:be )?here tomorrow
        (?:took|taken|swallowed|ate) (?:like |about |around |over )?\d+ (?:\w+ )?(?:pills|tablets|paracetamol|tylenol|
        aspirin)
        took (?:all|a bunch of|a lot of|too many|every one of) (?:of )?(?:my |the |his |her )?(?:\w+ )?(?:pills|tablets|
        meds)
        overdos(?:e|ed|ing) on (?:my|his|her|their|the)
        (?:jump|jumping) (?:off|from|in front of) (?:a|the|my)
        (?:drive|driving|crash|crashing) (?:my car )?into (?:a|the) (?:wall|tree|river)
        (?:hang|hanging) (?:my|him|her)self
        finish my life
        (?:this is )?my last (?:message|post|goodbye|words)
        goodbye (?:forever|everyone|all)
        (?:wrote|writing|written|leave|left) (?:\w+ )?(?:letters|notes) (?:for|to) (?:my|the)
        done fighting
        (?:cant|cannot|can not) (?:do this|go on|keep going|take (?:it|this)) anymore
        gave away (?:all |most of )?my
        (?:wont|will not) (?:need|be needing) (?:it|them|anything|my \w+) (?:much )?(?:longer|anymore)
        (?:ive|i have|i) made (?:my|the) (?:final )?decision(?! to (?:get|do|go|try|book|have|start|buy|stop))
        point (?:of|in) (?:living|life|going on)
        (?:pills|meds|tablets) (?:saved|stockpiled|ready|lined up)
        (?:dont|do not|not|never) wake up(?: tomorrow| again)?
        rather (?:be )?dead
        rather not be (?:alive|here)
        (?:take|taking|took) all (?:of )?(?:my|her|his|their) (?:\w+ )?(?:meds|pills|tablets|medication)
        how many (?:\w+ ){0,3}(?:pills|tablets|meds) (?:would it take|does it take|to die|to kill|would kill)
        on (?:the|a) (?:bridge|roof|ledge|edge|balcony)
        not (?:walking|coming|going) back
        \d+(?:st|nd|rd|th) floor
        (?:at|by|on) the (?:open )?window(?! seat)
        (?:will|going to|gonna|wants? to|threaten\w* to|says? (?:she|he) will) jump
        unaliv\w*
        sewer ?slide
        ctb
        (?:got|have|bought|found) (?:the |a )?rope
        this is goodbye
        goodbye i guess
        said (?:my|our|her|his) goodbyes
        sorry (?:about|for) the mess
        dont come looking
        tired of (?:being alive|living|being in this body|existing|life|being here)
        (?:im|i am|being|hes|shes) a burden
        (?:sav|stockpil|hoard)\w* (?:up )?(?:my |all my |his |her )?(?:\w+ )?(?:pills|tablets|meds|medication)
        tonight is the night
        (?:made|have|got|sorted|making) (?:a |my |the )plan(?! to (?:get|book|try|do|see|go|pay|start))
        how (?:many|much) (?:of )?(?:my |the |his |her )?(?:\w+ ){0,2}(?:would|will|does it|do i need to) (?:be enough|
        take|kill)
        (?:scratch|scratching|burn|burning|hit|hitting|punch|punching|cut|cutting|stab|stabbing) (?:my|her|
        his) (?:arms?|legs?|wrists?|skin|thighs?|stomach)
        just to feel (?:it|something|pain|anything)
        giv\w* (?:my|all my|away my|away all my) (?:stuff|things|belongings|dog|cat|pets?)(?: away)?
        (?:doesnt|does not|wont|will not) matter (?:anymore|after|what)
        (?:wont|will not) be (?:here|around) (?:next|much|for|tomorrow|by)
        (?:sorted|written|wrote|made|done|did) (?:out )?(?:my|the|a) (?:will|note|goodbye)
        (?:written|wrote|writing|left) (?:the|a|my) (?:\w+ )?notes?
        (?:until|till) it (?:all )?(?:stops|ends)
        (?:havent eaten|not eating|starving myself|stopped eating) (?:\w+ ){0,4}on purpose
        (?:took|swallowed|taken|ate) (?:a |the )?(?:whole )?(?:box|bottle|pack|packet|strip|handful) of
        handful of pills
        last (?:ever )?(?:stream|video|post|live|message)
        (?:stop|wont|never) bother\w* (?:anyone|everyone|you|anybody) (?:again|forever|anymore)
        rat poison
        (?:bleach|poison|antifreeze) (?:for me|to drink)
        where (?:we|you|they) keep the (?:poison|pills|knives|gun|rope)
        with a (?:razor|blade|knife)
        razor blades?
        waiting for (?:everyone|them|him|her) to (?:fall asleep|go to bed|leave|go out)
        (?:gets?|get) the (?:life )?insurance
        (?:decided|decision)\W+(?:\w+\W+)?tonight
        (?:dont|do not) want to (?:be|go on) (?:anymore|like this)
        """
    )
)
"""Words of suicide and self-harm, said of oneself or of someone else."""

_SYMPTOMS = re.compile(
    _phrases(
        r"""
        # breathing
        (?:cant|cannot|can not|couldnt|could not|unable to|hard to|harder to|trouble|difficulty|struggling to|
        struggle to|problems?|issues?) (?:to )?<BREATH>
        not <BREATH>
        stopped <BREATH>
        <BREATH> (?:weird|funny|strange|really hard|so hard|hard|fast|heavy|shallow)
        short(?:ness)? of <BREATH>
        cant catch (?:my|her|his|their) <BREATH>
        out of <BREATH>
        gasp(?:ing|s)?(?: for air)?
        wheez\w*
        chok(?:ing|es)
        suffocat\w*
        turning blue
        # swelling of the airway, face or eyes
        throats?(?: \w+){0,4} (?:clos\w*|tight\w*|swell\w*|swol\w*|thick|narrow\w*)
        (?:swelling|swollen|tightness) (?:in|of) (?:my|her|his|their|the) (?:throat|tongue|lips?|face|mouth|eyes?)
        (?:tongue|lips?|face|eyes?|eyelids?|mouth|jaw|cheeks?|neck)(?: \w+){0,3} (?:swell\w*|swol\w*|puff\w*|huge|
        balloon\w*|blowing up|blown up|shut|closing)
        (?:cant|cannot|can not|unable to|hard to|trouble|difficulty|struggling to) swallow\w*
        # skin all over
        hives (?:all over|everywhere|spreading|on my (?:whole|entire)|over my (?:whole|entire)|all up)
        hives everywhere
        rash (?:all over|everywhere|spreading)
        (?:all over|whole body) hives
        covered in (?:hives|a rash|welts|bumps|blotches)
        (?:diffuse|generali[sz]ed) (?:urticaria|hives)
        # chest and heart
        chest (?:pain|pains|hurts?|hurting|is (?:so |really |very )?(?:tight|heavy)|tight\w*|pressure|feels (?:tight|
        heavy|crushed))
        pain in (?:my|her|his|their) chest
        (?:heart|pulse) (?:is )?(?:racing|pounding|beating (?:so |really |super )?fast)
        (?:someone|something|an elephant|elephant|a weight|weight|a ton of bricks|a brick) (?:is )?(?:sitting|standing|
        pressing|crushing|pushing|lying) on (?:my|his|her|their) chest
        (?:an )?elephant on (?:my|his|her) chest
        crushing (?:chest )?pain
        (?:left )?arm (?:aches|hurts|is aching|is numb|feels numb|is tingling)
        # fainting, consciousness
        faint\w*
        pass(?:ed|ing|es)? out
        passes out
        black(?:ed|ing)? out
        (?:vision|everything|it|sight) (?:goes|going|is going|went|gone|turning) (?:black|dark|white|grey|gray)
        out cold
        collaps\w*
        unconscious
        (?:not|isnt|is not) (?:responding|responsive|answering|waking)
        unresponsive
        (?:wont|will not|cant|cannot|can not) (?:wake|be woken|stay awake)
        keeled over
        (?:wont|will not|doesnt|does not|isnt|is not|not|cant|cannot) (?:answer|answering|respond|responding|
        talk to)(?: me| us)?
        (?:gone|going|turned|turning) (?:grey|gray|pale|white|floppy|limp)
        floppy
        limp
        shak\w* (?:all over|all the body|uncontrollabl\w*|violently)
        whole body (?:is )?shaking
        # seizures
        seiz\w*
        siez\w*
        fitting
        convuls\w*
        having a fit
        jerk\w* (?:all over|uncontrollabl\w*|violently)
        # colour, confusion, stroke-like signs
        (?:lips?|face|skin|fingers?)(?: are| is| r| turning| going| look| looks)? blue
        blue (?:around|lips)
        (?:shes|hes|she is|he is|they are|theyre|seems?|looks?|getting|very|suddenly|so|and) confus\w*
        disorient\w*
        doesnt know where (?:she|he|they|i) (?:is|are|am)
        slurr\w*
        cant feel (?:one side|my face|my arm|my leg|half)
        face (?:is )?(?:drooping|droopy|numb)
        dizz\w*
        light ?headed
        (?:room|everything) (?:is )?spinning
        vertigo
        (?:arm|arms|leg|legs|face|side|hand|hands|feet|foot)(?: is| are| feels?| went| goes| going| gone)? (?:numb|
        paraly[sz]\w*|dead|weak|floppy)
        (?:cant|cannot|can not|unable to) (?:really )?(?:feel|move) (?:my|his|her|their|one|either) \w+
        (?:control|control of) (?:my|his|her|their) (?:bladder|bowels)
        worst headache
        stiff neck
        bleeding (?:wont|will not|doesnt|does not|that wont|nonstop|non stop|heavily|a lot|everywhere|badly)
        (?:soaked|soaking) (?:through )?(?:\w+ )?(?:towels?|bandages?|gauze|pads?)
        (?:cant|cannot|can not) stop (?:the )?bleeding
        stridor
        hypotensi\w*
        angioedema
        tachycardi\w*
        desaturat\w*
        (?:sats|oxygen|bp|blood pressure) (?:is )?(?:dropping|crashing|falling)
        diaphoretic
        rigors
        mottl\w*
        dusky
        cyano\w*
        livedo
        bp (?:[4-8]\d)/\d+
        hr 1[3-9]\d
        (?:sats?|spo2|o2) (?:[5-8]\d)
        (?:white|pale|grey|gray|dark|black|blue\w*) (?:patch|spot|area)\w* (?:\w+ ){0,4}(?:blue|grey|gray|dark|black|
        hurts?|painful)
        turning (?:blue\w*|purple|grey|gray|white|black|dusky)
        (?:lips?|fingers?|toes?|skin|face|nails?)(?: \w+){0,4} (?:blue\w*|purple|grey|gray)
        (?:vision|sight|eye) (?:\w+ ){0,5}(?:went|gone|going|is going|turned) (?:black|dark|blurry|grey|gray|white|dim)
        like a curtain
        (?:cant|cannot|can not) see (?:out of|properly|anything)
        eyes? (?:have |has )?rolled (?:back|up)
        (?:cannot|cant|can not|unable to) (?:pee|urinate|wee)
        urinary retention
        saddle an(?:a|ae|e)sthesia
        (?:cannot|cant|can not|unable to) (?:talk|speak)(?! to)
        (?:arm|leg|side|face)(?: \w+){0,2} (?:not moving|wont move|drooping)
        one side (?:of (?:my|his|her|their) (?:body|face) )?(?:feels |is |went |goes |gone )?(?:weak|numb|heavy|dead|
        floppy)
        (?:head|headache) (?:is )?(?:pounding|splitting|exploding) (?:like never|worse than|out of nowhere)
        thunderclap
        (?:fell|falls|fall|fallen) down (?:and|cannot|cant|wont|not)
        (?:just )?(?:gone|went|goes) down (?:in|at|on|during)
        (?:meter|sugar|glucose|bgl)(?: \w+){0,2} (?:says |is |reads )?(?:lo|low|[1-3]\.\d)\b
        hypo(?:glyc\w*)?
        (?:pouring|drenched in|dripping with) sweat
        sweating like (?:crazy|mad)
        all sweaty
        (?:heart|pulse)(?: \w+){0,2} (?:going|is going|beating) (?:really |so |very |super )?(?:fast|crazy|wild)
        (?:heart|chest) (?:fluttering|flutters|pounding)
        (?:left )?arm (?:feels|is|gone|going) (?:heavy|numb|dead|weak)
        pressure (?:in|on) (?:my|his|her|the) chest
        (?:very |really |so )?short (?:of )?breath
        (?:cant|cannot|can not) get a (?:full |deep )?breath
        (?:breathing|breath|breaths?)(?: \w+){0,2} (?:noisy|noisily|whistl\w*|rattl\w*|gurgl\w*|squeak\w*|weird|funny|
        strange|shallow)
        coughing (?:up )?(?:blood|pink|red)
        (?:calf|leg)(?: \w+){0,2} (?:swollen|swelling) and (?:hot|red|painful)
        (?:redness|red|rash|swelling)(?: \w+){0,2} (?:is )?spreading (?:fast|quickly|rapidly)?
        past the line
        teeth (?:chattering|going)
        shaking (?:very much|so much|uncontrollabl\w*|badly)
        vomit\w* blood
        (?:eye|eyes)(?: is| are)? (?:really |very |so )?(?:painful|red and painful)
        gone (?:very )?quiet and
        # infection with fever
        (?:fever|temp\w*) (?:of |is |at )?(?:10[2-9]|4[0-2]|39)\S*
        (?:10[2-9]|4[0-2]|39)(?:\.\d)? ?(?:f |c |degrees? )?fever
        high fever
        burning up
        red streaks?
        (?:shaking|shivering) with (?:chills|fever)
        # the whole person
        (?:feel|feels|feeling|felt) like <THEM>? ?(?:is |am |are |im |is going to |am going to |gonna |
        going to )?(?:die|dying)
        (?:think|thinks) (?:im|i am|shes|hes|she is|he is|they are) dying
        (?:im|i am|shes|hes|she is|he is) dying(?! to)
        going to die
        epi ?pen
        (?:having|had|has|going into|in) (?:an? )?(?:bad |severe |serious )?(?:allergic |anaphyla\w* )?(?:reaction|
        shock)
        (?:having|going into|in) anaphyla\w*
        anaphyla\w* (?:i think|maybe|rn|now)
        (?:i think|think|maybe) (?:its|it is|this is|im having|shes having|hes having) anaphyla\w*
        severe reaction
        (?:having|is having) a stroke
        (?:call|calling|called) (?:911|999|112|an ambulance|ambulance|the ambulance)
        in (?:an |the )?ambulance
        """
    )
)
"""Signs of a severe reaction, as people type them: no pronoun needed, for oneself or someone else."""

_INFECTION = re.compile(
    _phrases(
        r"""
        pus
        oozing
        ooz\w*
        leaking
        draining
        yellow stuff
        smells? (?:bad|awful)
        """
    )
)
_FEVER = re.compile(
    _phrases(
        r"""
        fever\w*
        burning up
        chills?
        shaking
        hot to (?:the )?touch
        temp\w*
        3[89](?:\.\d)?
        10[0-5](?:\.\d)?
        """
    )
)

_IDIOMS = re.compile(
    _phrases(
        r"""
        killing (?:me|it)
        kill for
        dying to
        died (?:of|from) (?:laughing|embarrassment|shame)
        (?:nearly|almost) died (?:of|from|laughing)
        died laughing
        dead tired
        im dead
        (?:is|was) dead lol
        heart attack (?:lol|lmao|haha)
        (?:almost|nearly) (?:passed out|fainted|had a heart attack) (?:when|at|over)
        breathtaking
        take my breath away
        choking on (?:the )?(?:price|bill|cost)
        (?:wallet|bank|bank account|account|purse|card|credit card|budget|savings)(?: \w+){0,2} (?:cant breathe|dying|
        died|dead|fainted|passed out|unresponsive|in a coma|flatlined)
        breathe a word
        gave me (?:chest pains?|a heart attack|an aneurysm|a stroke)
        bored to death
        (?:boring|bored|long|slow|awkward|embarrass\w*|cringe)[^.]* (?:wanted|want|wanna) (?:to )?die
        on life support
        (?:bank|wallet|card|account)\w*(?: \w+){0,3} (?:flatlin\w*|on life support|in intensive care|icu)
        (?:price|prices|bill|cost|quote|reviews?|list)[^.]* made me (?:faint|pass out|die|want to faint)
        """
    )
)
_PAST = re.compile(
    _phrases(
        r"""
        last (?:month|year|summer|spring|winter|fall|autumn)
        \d+ (?:weeks|months|years) ago
        (?:a|one|two|three|a few|few|couple of|couple) (?:weeks|months|years) ago
        years ago
        months ago
        weeks ago
        a while (?:ago|back)
        back in
        in (?:19|20)\d\d
        when (?:i|she|he|they) (?:was|were)
        as a (?:kid|child|teen|baby)
        used to
        once in
        in the past
        history of
        previously
        never since
        nothing since
        for (?:a |one |two |a couple of )?(?:day|days|hour|hours) after
        in the (?:\d0s|nineties|eighties|seventies)
        in (?:january|february|march|april|may|june|july|august|september|october|november|december)
        for (?:years|months|ages|a long time)
        usually
        always
        often
        every time
        whenever
        tend to
        sometimes
        """
    )
)
"""Wording that puts a symptom well in the past, or makes it a habit rather than an event."""
_RECENTLY = re.compile(
    _phrases(
        r"""
        last (?:week|time|night)
        \d+ days ago
        (?:a|one|two|three|a few|few|couple of|couple) days ago
        yesterday
        the other day
        """
    )
)
"""Recent past: often when the treatment was ("injected 3 days ago"), not when a symptom ended."""
_PRESENT = re.compile(
    _phrases(
        r"""
        is|are|am|im|keeps?|cant|cannot|wont|getting|looks?|feels?|has|have|hes|shes|theyre|r
        """
    )
)
"""A verb in the present: with only a recent past in the sentence, the symptom is still here."""
_RESOLVED = re.compile(
    _phrases(
        r"""
        went away
        (?:its|it was|it is|is|was|all|totally|completely|they were|they are|theyre) gone(?: now)?
        gone (?:now|by|after)
        gone$
        go(?:es)? away
        cleared(?: up)?
        sorted(?: out)?
        treated with
        healed(?: fine)?
        resolved
        settled
        slept it off
        it passed(?: in \w+(?: \w+)?)?
        turned out
        recovered
        no fever
        (?:been |is |was |has been )?stable
        (?:feel|feels|felt|im|i am|shes|hes|she is|he is|seems?|seemed|its|it is) (?:totally |completely |all |
        perfectly )?(?:fine|ok|okay|normal|good|better)(?: now| today| again)?
        (?:was|were) (?:totally |completely )?(?:fine|ok|okay) (?:after|by|again)
        back to normal(?: now| today| again)?
        (?:fine|ok|okay|normal|better|good) (?:now|today|again)
        """
    )
)
"""Wording that says it is over; removed before looking for "now", so "fine now" is not a "now"."""
_ASKING = re.compile(
    _phrases(
        r"""
        how would
        how do (?:i|you|we) (?:know|tell)
        how can (?:i|you) tell
        what happens if
        what if
        what (?:would|will|could|might) happen
        (?:asking|asks|asked|wondering|wonders|curious)(?: \w+)? (?:if|whether|about)
        (?:can|could|might|may) (?:cause|trigger|give|lead to|make)
        etc
        and so on
        difference between
        (?:can|could) (?:you|u) explain
        what (?:that|this) means
        (?:if|when) (?:a|an|the|any|one|our|their)
        first aid
        (?:teaching|training|refresher|course|drill|exam|quiz)
        what (?:does|do) (?:it|that) mean
        (?:if|when|in case) (?:i|you|u|someone|someones|a person|people|ur|your|my)
        should i (?:worry|be worried)
        would (?:it|i|that|they|exosomes?)
        could (?:it|i|that|they|exosomes?)
        ahead of time
        just so i know
        asking (?:for|before|because)
        (?:for|in) (?:a|my) (?:research|paper|class)
        can (?:exosomes?|it|they|this|these|the \w+|you|u) (?:cause|trigger|give|lead|make)
        (?:signs?|symptoms?|red flags?) of
        red flags?
        warning signs?
        (?:does|do|did) (?:the|an?|these|exosomes?|it)
        """
    )
)
"""Wording that asks about symptoms rather than reports them: it takes a word of "now" to outweigh."""
_GENERAL = re.compile(
    r"^(?:can|could|do|does|did|will|would|should|is|are|was|were|what|whats|how|hows|why|when|which|who|has|have|"
    r"any|anyone|might|may)\b"
    + "|"
    + _phrases(
        r"""
            causes?
            caused
            common
            normal
            usual(?:ly)?
            possible
            side effects?
            risks?
            chance
            someone
            someones
            people
            protocols?
            consent form
            waiver
            news
            story
            article
            tiktok
            heard
            read about
            listed
            adverse events?
            warnings?
            label
            leaflet
            explain
            means?
            meaning
            known
            """
    )
)
"""Wording that leans general; a present report of one's own ("my lips are…") outweighs it."""
_NOW = re.compile(
    _phrases(
        r"""
        rn
        right now
        (?<!years )(?<!months )(?<!weeks )(?<!while )now
        currently
        at the moment
        (?:happening|started|starting|fainted|passed out|swelling|collapsed|seizing) again
        (?:getting|gets|got|going) worse
        worse and worse
        (?:way|much|so|even|a lot) worse
        this time
        keeps? (?:getting|going|coming|on|swelling|spreading|happening)
        started
        starting
        just (?:now|got|had|started|happened|took|went|came|collapsed|fainted|passed|threw|finished|did|cut|swallowed)
        (?:pls|please|plz|somebody|someone) help
        help (?:me|us|pls|please|plz|her|him)
        need help
        ^help\b
        pls
        plz
        omg
        what (?:do|should|can) (?:i|we) do(?! if)
        idk what to do
        hurry
        asap
        this (?:morning|afternoon|evening)
        tonight
        today
        an hour ago
        \d+ ?(?:min|mins|minutes) ago
        minutes ago
        since (?:the |my |her |his |their |this |that |an |a )?(?:\w+ ){0,3}(?:injection|shot|jab|drip|iv|infusion|
        facial|treatment|procedure|session|appointment|morning|afternoon|evening|night|yesterday|last night|then|i got|
        she got|he got|they got|we got|coming home|getting home|it started)
        """
    )
)
"""Wording that says it is happening now; it outweighs a past or hypothetical reading."""
_REPORT = re.compile(
    _phrases(
        r"""
        i
        im
        i am
        ive
        my
        me
        she
        shes
        he
        hes
        her
        his
        they
        theyre
        """
    )
    + r"[^.?!]*"
    + _phrases(
        r"""
            is|are|am|im|keeps?|cant|cannot|feels?|has|have|getting|started|turning|going|r
            """
    )
)
"""Someone's own situation, told in the present: "my lips are…", "she can't…"."""


def alarm_for(text: str) -> Alarm | None:
    """Crisis or emergency help first, or None; checked before any answer is looked for."""
    sentences = _sentences(text)
    alarm = _alarm_in(sentences)
    if alarm is None:  # then with misspellings mended: a correction can add an alarm, never hide one
        mended = [_corrected(s) for s in sentences]
        if mended != sentences:
            alarm = _alarm_in(mended)
    return alarm


def _alarm_in(sentences: list[str]) -> Alarm | None:
    said = [_CRISIS.search(s) is not None for s in sentences]
    if any(_crisis(s) for s, hit in zip(sentences, said, strict=True) if hit):
        return Alarm.CRISIS
    # Pairs too: "i decided. tonight." says in two sentences what neither says alone.
    for i in range(len(sentences) - 1):
        if not (said[i] or said[i + 1]) and _crisis(f"{sentences[i]} {sentences[i + 1]}"):
            return Alarm.CRISIS
    if any(_emergency(s) for s in sentences):
        return Alarm.EMERGENCY
    return None


_SENTENCE_END = re.compile(
    r"[.!?;\n]+|,\s*(?=(?:is|are|do|does|did|can|could|will|would|should|what|whats|how|why|any)\b)"
)


def _sentences(text: str) -> list[str]:
    folded = re.sub(r"(\w)\1{2,}", r"\1\1", fold(text))  # "helppp" -> "helpp"
    # A sentence ends at a stop, and where a question starts after a comma: "…years ago, are they safer now"
    # asks about now without saying the swelling is now.
    parts = _SENTENCE_END.split(folded)
    return [" ".join(s.split()) for s in parts if s.strip()]


def _crisis(sentence: str) -> bool:
    """Suicide or self-harm, unless plainly past, or a question about the subject with nobody in it."""
    if not _CRISIS.search(_IDIOMS.sub(" ", sentence)):
        return False
    if _PAST.search(sentence) and not _now(sentence):
        return False
    return not (_GENERAL.match(sentence) and not _ONESELF.search(sentence))


_ONESELF = re.compile(r"\b(?:i|im|me|my|myself)\b")

_ALARM_WORDS = tuple(
    """breathe breath breathing cant cannot swallow swelling swollen tongue throat closing chest tight tightness pain
    dizzy dizziness faint fainted fainting seizure seizures seizing convulsing unconscious unresponsive responding
    collapsed anaphylaxis allergic reaction hives everywhere help please after exosome exosomes injection shot
    fever bleeding numb confused choking wheezing gasping emergency ambulance suicide kill myself pills overdose
    dying heart racing pounding""".split()
)
"""Words the patterns hinge on, to which a misspelt word is corrected ("cnat breth afetr" → "cant breath after").
Only when the text as typed raised nothing: a correction can add an alarm, never hide one."""
_ALARM_WORDS_BY_LETTER = {
    letter: tuple(w for w in _ALARM_WORDS if w[0] == letter) for letter in {w[0] for w in _ALARM_WORDS}
}


def _corrected(folded: str) -> str:
    words = folded.split(" ")
    for i, word in enumerate(words):
        core = word.strip(",:()'\"")
        mended = _mended(core)
        if mended is not None:
            words[i] = word.replace(core, mended)
    return " ".join(words)


@functools.lru_cache(maxsize=8192)
def _mended(word: str) -> str | None:
    """The alarm word that word is a typo of, or None: chat repeats its words, so each is worked out once."""
    if len(word) < 4 or not word.isalpha():
        return None  # too short to guess
    candidates = _ALARM_WORDS_BY_LETTER.get(word[0], ())  # a typo rarely changes the first letter
    if any(word.startswith(w) or w.startswith(word) for w in candidates):
        return None  # known, or an inflection of a known word ("swallowed")
    from rapidfuzz.distance import OSA  # only for words the patterns do not know as typed

    allowed = 1 if len(word) < 9 else 2
    return next((t for t in candidates if OSA.distance(word, t, score_cutoff=allowed) <= allowed), None)


def _emergency(sentence: str) -> bool:
    symptom = bool(_SYMPTOMS.search(sentence))
    if not symptom and _INFECTION.search(sentence):
        symptom = bool(_FEVER.search(sentence)) or "spread" in sentence
    if not symptom:
        return False
    if _IDIOMS.search(sentence) and not _SYMPTOMS.search(_IDIOMS.sub(" ", sentence)):
        return False
    return not _past_or_general(sentence)


def _now(sentence: str) -> bool:
    return bool(_NOW.search(_RESOLVED.sub(" ", sentence)))


def _past_or_general(sentence: str) -> bool:
    """Whether the sentence is plainly about the past or about symptoms in general, not happening now."""
    now = _now(sentence)
    if _PAST.search(sentence) or _RESOLVED.search(sentence) or _ASKING.search(sentence):
        return not now
    if _RECENTLY.search(sentence):
        return not (now or _PRESENT.search(sentence))
    if _GENERAL.search(sentence):
        return not (now or _REPORT.search(sentence))
    return False
